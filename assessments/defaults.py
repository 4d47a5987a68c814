"""What ships with the portal: the default 100-point rubric and the dynamic-points rule table
(R-1.9, R-1.10). Loaded by a data migration; the city office changes both in the portal."""

from decimal import Decimal as D

RUBRIC_NAME = "社区共建成员单位半年考核细则"

# (group, title, max points, guidance, evidence source)
DEFAULT_CRITERIA = [
    (
        "attitude",
        "参加理事会会议",
        D("10"),
        "按时出席理事会季度例会和临时会议；每无故缺席一次扣5分。",
        "attendance",
    ),
    (
        "attitude",
        "支持配合社区共建工作",
        D("10"),
        "主动认领共建项目，积极配合社区开展工作，态度端正。由社区根据日常表现评定。",
        "",
    ),
    (
        "measures",
        "责任片区联系居民",
        D("10"),
        "按楼栋分片负责，每季度至少联系走访责任片区居民一次，记录反映事项并跟进。",
        "contacts",
    ),
    (
        "measures",
        "共建任务落实",
        D("15"),
        "理事会部署的共建任务按期完成；逾期未完成的按比例扣分。",
        "tasks",
    ),
    (
        "measures",
        "共建资金认缴到位",
        D("10"),
        "年度认缴的共建资金按期足额到位，量力而行。",
        "pledge",
    ),
    (
        "measures",
        "资金专款专用",
        D("5"),
        "参与决策的共建资金支出均经理事会决议、专款专用；存在未整改违规问题的不得分。",
        "violations",
    ),
    (
        "results",
        "责任片区环境整治",
        D("15"),
        "责任片区内巡查发现的“六乱”等问题及时整改销号；逾期未整改的按比例扣分。",
        "findings",
    ),
    (
        "results",
        "志愿服务",
        D("10"),
        "组织职工参加送温暖献爱心、扶老助残、便民利民等志愿服务，半年累计20小时及以上得满分。",
        "volunteer",
    ),
    (
        "results",
        "共建成效与居民评价",
        D("15"),
        "共建项目取得实效，居民赞同、满意。由社区根据走访和居民评价评定。",
        "",
    ),
]

# code → (points, note)
DEFAULT_POINT_RULES = {
    "attended": (D("1"), "每出席一次理事会会议"),
    "absent": (D("-2"), "每无故缺席一次（未说明缺席原因）"),
    "task_done": (D("1"), "每按期完成一项共建任务"),
    "task_overdue": (D("-1"), "每一项逾期未完成的共建任务"),
    "violation": (D("-3"), "每一项涉及本单位的资金违规问题"),
    "finding_rectified": (D("0.5"), "责任片区每一项问题整改销号"),
    "finding_overdue": (D("-0.5"), "责任片区每一项逾期未整改的问题"),
    "volunteer": (D("1"), "每累计10小时志愿服务"),
}

# Hours of volunteer service for a full score on the volunteer criterion, per half-year.
VOLUNTEER_HOURS_FULL = D("20")
# Contacts with residents expected per half-year (one a quarter, R-1.3).
CONTACTS_EXPECTED = 2
