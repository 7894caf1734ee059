"""Every portal page names itself in the browser tab ("Orders · Rapport", not "Rapport"), in
English and in Chinese."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("portal:dashboard", "Today", "今日"),
    ("portal:orders", "Orders", "订单"),
    ("portal:customer_list", "Customers", "客户"),
    ("portal:returns", "Returns", "退货"),
    ("portal:tickets", "Service tickets", "服务工单"),
    ("portal:quotes", "Quotes", "报价"),
    ("portal:stock_list", "Stock", "库存"),
    ("portal:segment_list", "Segments", "客户分群"),
    ("portal:upgrades", "Upgrade notices", "升级通知"),
    ("portal:reco_settings", "Cross-sell", "交叉销售"),
    ("portal:staff_list", "Staff", "员工"),
    ("portal:audit_log", "Audit log", "审计日志"),
]


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.parametrize(("name", "english", "chinese"), PAGES)
def test_a_portal_page_has_its_own_title(clients, name, english, chinese):
    manager = clients["manager"]

    in_english = manager.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    in_chinese = manager.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert in_english.status_code == 200
    assert title_of(in_english) == f"{english} · Rapport"
    assert title_of(in_chinese) == f"{chinese} · Rapport"
