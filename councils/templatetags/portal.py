"""Template filters shared by the portal's pages."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTIONS = {
    "recorded": _("录入"),
    "updated": _("修改"),
    "withdrawn": _("撤销"),
    "voted": _("表决"),
    "seated": _("加入理事会"),
    "left": _("退出理事会"),
    "status": _("状态变更"),
    "drafted": _("起草"),
    "opinion": _("答复意见"),
    "attachment_added": _("上传附件"),
}


@register.filter
def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


@register.filter
def change_value(value) -> str:
    """[old, new] reads as "old → new"; anything else as itself."""
    if isinstance(value, list) and len(value) == 2:
        old, new = ("—" if v in (None, "", []) else v for v in value)
        return f"{old} → {new}"
    return "—" if value in (None, "") else str(value)
