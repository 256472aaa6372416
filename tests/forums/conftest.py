import pytest


@pytest.fixture
def forum(db, make_user):
    from community import services as community_services
    from community.models import Role
    from forums.models import Category

    kari, ola = make_user("kari"), make_user("ola")
    mod = make_user("mod", role=Role.MODERATOR)
    outsider = make_user("per")
    public = Category.objects.create(name="Generelt", slug="generelt")
    group = community_services.create_group(kari, name="Brøkgruppa")
    community_services.add_member(group, ola)
    private = Category.objects.create(name="Brøkgruppas forum", slug="brokgruppa", group=group)
    return {"kari": kari, "ola": ola, "mod": mod, "outsider": outsider, "public": public, "private": private,
            "group": group}
