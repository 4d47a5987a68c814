"""The questionnaire that ships with the portal (R-6.2): one question per rate and a few optional
ones, in Chinese. Loaded by a data migration (and put back by `questionnaire_ensure_default`
when missing); the city office revises it in the portal as new versions.

Why these answer forms: awareness, support and participation are facts or commitments a
resident can state plainly, so they are yes/no and the rate is the share of "是". Approval and
satisfaction are attitudes with degrees, so they are five-level scales (best first) and the rate
is the share of the top two levels ("非常…" and "比较…") among all five, the usual way a 满意率
is reported; the middle level "一般" counts as not satisfied, so a lukewarm community does not
look content.
"""

QUESTIONNAIRE_NAME = "社区共建居民意见调查"
QUESTIONNAIRE_NOTE = "随系统提供的默认问卷：五率各一题，另有三道选填题。"

YES_NO = ["是", "否"]

# (rate, kind, text, options, positive options, required)
DEFAULT_QUESTIONS = [
    (
        "approval",
        "scale",
        "您是否赞同由驻区单位、社区和居民代表共同组成共建理事会，一起商量办好小区的事？",
        ["非常赞同", "比较赞同", "一般", "不太赞同", "很不赞同"],
        2,
        True,
    ),
    ("awareness", "yes_no", "您知道本社区成立了共建理事会，并定期开会商议社区事务吗？", YES_NO, 1, True),
    (
        "support",
        "yes_no",
        "您是否支持并愿意配合社区共建工作（如文明劝导、环境整治、共建资金的使用）？",
        YES_NO,
        1,
        True,
    ),
    (
        "participation",
        "yes_no",
        "最近半年，您是否参加过社区组织的共建活动（如议事协商、志愿服务、环境整治）？",
        YES_NO,
        1,
        True,
    ),
    (
        "satisfaction",
        "scale",
        "总体来说，您对本社区共建工作的成效满意吗？",
        ["非常满意", "比较满意", "一般", "不太满意", "很不满意"],
        2,
        True,
    ),
    ("", "choice", "您在本社区居住了多长时间？", ["不满1年", "1至5年", "5年以上"], 0, False),
    (
        "",
        "choice",
        "您最希望共建理事会优先解决哪方面的问题？",
        ["环境卫生", "停车秩序", "违章搭建", "养老托幼", "文体活动", "其他"],
        0,
        False,
    ),
    ("", "text", "您对社区共建工作还有什么意见和建议？（请勿填写姓名、电话等个人信息）", [], 0, False),
]
