from oauth2_provider.oauth2_validators import OAuth2Validator

# Test users' FEIDE attributes, keyed by username (set by tests/community/feide.py).
AFFILIATION = {"feide-lærer": ["member", "employee", "faculty"], "feide-elev": ["member", "student"]}


class FeideLikeValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "feide_id": "userid-feide",
                        "eduPersonAffiliation": "eduPersonAffiliation"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "name": f"{user.first_name} {user.last_name}".strip(),
            "email": user.email,
            "email_verified": True,
            "feide_id": f"{user.username}@testskole.no",
            "eduPersonAffiliation": AFFILIATION.get(user.username, ["member"]),
        }
