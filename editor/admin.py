"""The admin: DRF's token list replaced by one that never shows a key in clear.

Tokens are issued on the staff *Users* page (or ``manage.py user_create --token``), where the new key is shown
once; here they can be looked up by user and deleted (revoked), not created or read.
"""

from django.contrib import admin
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from editor.accounts import mask
from editor.models import ApiToken

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("masked_key", "user", "created")
    fields = ("user", "masked_key", "created")
    readonly_fields = ("user", "masked_key", "created")

    @admin.display(description="key")
    def masked_key(self, obj: ApiToken) -> str:
        return mask(obj.key)

    def has_add_permission(self, request) -> bool:
        return False  # a new key must be shown once to its owner: the staff Users page does that

    def has_change_permission(self, request, obj=None) -> bool:
        return False
