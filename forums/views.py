from django.shortcuts import render

from .models import Category


def index(request):
    categories = Category.objects.filter(group__isnull=True)
    return render(request, "forums/index.html", {"categories": categories})
