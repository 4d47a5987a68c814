"""Template filters shared by the portal's pages."""

from django import template
from django.core.exceptions import FieldDoesNotExist
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
    "flagged": _("提出整改要求"),
    "rectified": _("报送整改情况"),
    "closed": _("整改销号"),
    "approved": _("批准"),
    "term": _("换届"),
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


@register.filter
def field_label(entry, name: str) -> str:
    """The verbose name of a changed field of the history entry's model, or the name itself."""
    model = entry.content_type.model_class()
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # entries also name things that are not fields (area, reason)
        return str(EXTRA_LABELS.get(name, name))


EXTRA_LABELS = {
    "area": _("责任楼栋"),
    "reason": _("原因"),
    "file": _("附件"),
    "resolution": _("决议"),
    "opinion": _("意见"),
    "adopted": _("是否采纳"),
    "number": _("届次"),
    "measures": _("整改措施"),
}
