"""English and Simplified Chinese strings for everything a person reads in the client.

A small table rather than a gettext catalogue: the client is one package with about a hundred
strings, and a table keeps both languages side by side (a test checks none is missing). The
language comes from `OFFLINEOFFICE_LANG`, else the usual locale variables (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG): anything starting with "zh" means Simplified Chinese, the rest English.
"""

from __future__ import annotations

import os

ZH_HANS: dict[str, str] = {
    "Accept": "接受",
    "Accepted": "已接受",
    "Add at least one line.": "请至少添加一行。",
    "Add line": "添加一行",
    "Add note": "添加备注",
    "Attempts": "尝试次数",
    "Authenticator code (staff, or if you turned it on)": "验证器代码（员工，或已启用者）",
    "Cancel": "取消",
    "Catalogue": "商品目录",
    "Choose a conversation.": "请选择一个对话。",
    "Choose a customer.": "请选择一位客户。",
    "City": "城市",
    "Conflicts": "冲突",
    "Conflicts: {count}": "冲突：{count}",
    "Conversation": "对话",
    "Counter-offer": "还价",
    "Countered": "已还价",
    "Customer": "客户",
    "Customers": "客户",
    "Decline": "拒绝",
    "Declined": "已拒绝",
    "Device {device} on {server}": "设备 {device}，服务器 {server}",
    "Discard": "丢弃",
    "Discarded": "已丢弃",
    "Draft": "草稿",
    "Draft orders": "草稿订单",
    "Edit": "编辑",
    "Edit draft order": "编辑草稿订单",
    "Email": "电子邮件",
    "Enrol this device with a one-time code": "用一次性代码注册此设备",
    "Enrolled as device {device} for {person}.": "已为 {person} 注册为设备 {device}。",
    "Expired": "已过期",
    "In stock": "库存",
    "Keep theirs": "保留对方的版本",
    "Last error": "最近的错误",
    "Lines": "行数",
    "Made at": "创建时间",
    "Messages": "消息",
    "Mine": "我的版本",
    "Name": "姓名",
    "New": "新建",
    "New draft": "新建草稿",
    "New draft order": "新建草稿订单",
    "New note on the highlighted customer": "给选中的客户写一条新备注",
    "New quote": "新建报价",
    "Not found on this device.": "此设备上找不到。",
    "Note": "备注",
    "Notes": "备注",
    "Object": "对象",
    "Offline": "离线",
    "Offline: the outbox waits for the next sync.": "离线：待发送队列将在下次同步时发送。",
    "OfflineOffice": "离线办公",
    "Online": "在线",
    "Open": "未完成",
    "Operation": "操作",
    "Outbox": "待发送",
    "Outbox: {count} pending": "待发送：{count} 项",
    "Password": "密码",
    "Password: ": "密码：",
    "Pending": "待发送",
    "Place order": "下单",
    "Placed": "已下单",
    "Placing": "正在下单",
    "Price": "价格",
    "Price must be an amount like 12.50.": "价格必须是金额，例如 12.50。",
    "Product": "商品",
    "Profile directory": "配置目录",
    "Push the outbox, then pull what changed": "发送待发送队列，然后获取更新",
    "Quantity": "数量",
    "Quantity must be a whole number.": "数量必须是整数。",
    "Quantity must be at least 1.": "数量至少为 1。",
    "Quote": "报价",
    "Quotes": "报价",
    "Rapport offline client": "Rapport 离线客户端",
    "Re-apply mine on the current version": "在当前版本上重新应用我的修改",
    "Reason": "原因",
    "Refresh": "刷新",
    "Refused by the server": "被服务器拒绝",
    "Remove line": "删除一行",
    "SKU": "货号",
    "Save": "保存",
    "Search the catalogue": "搜索商品目录",
    "Send": "发送",
    "Sent": "已发送",
    "Sent {pushed} (applied {applied}, conflicts {conflicts}, refused {rejected}); received {pulled}.": "已发送 {pushed} 项（已应用 {applied}，冲突 {conflicts}，被拒绝 {rejected}）；已接收 {pulled} 项。",
    "Show the device, the outbox and conflicts": "显示设备、待发送队列和冲突",
    "Sign in": "登录",
    "Sign in on this device": "在此设备上登录",
    "Sign in to {server}": "登录 {server}",
    "Sign-in refused.": "登录被拒绝。",
    "Signed in as {name}.": "已登录为 {name}。",
    "Signing in…": "正在登录…",
    "Start the terminal UI (the default)": "启动终端界面（默认）",
    "Status": "状态",
    "Sync": "同步",
    "Sync failed: {error}": "同步失败：{error}",
    "Sync now": "立即同步",
    "Synced: {applied} applied, {conflicts} conflicts, {rejected} refused.": "已同步：已应用 {applied}，冲突 {conflicts}，被拒绝 {rejected}。",
    "Syncing…": "正在同步…",
    "The server cannot be reached.": "无法连接服务器。",
    "The server cannot be reached: {error}": "无法连接服务器：{error}",
    "Theirs (the server's current version)": "对方的版本（服务器上的当前版本）",
    "This device is not enrolled yet: run `offlineoffice enrol` first.": "此设备尚未注册：请先运行 `offlineoffice enrol`。",
    "Unit price": "单价",
    "Unknown product.": "未知商品。",
    "VIP": "VIP",
    "Valid until (YYYY-MM-DD)": "有效期至（YYYY-MM-DD）",
    "Version": "版本",
    "Withdrawn": "已撤回",
    "Write a message": "写一条消息",
    "Write something first.": "请先写点内容。",
    "… checking": "… 检查中",
    # Operation kinds, as the outbox and conflicts list them.
    "note.create": "新备注",
    "message.post": "新消息",
    "draft_order.save": "保存草稿订单",
    "draft_order.place": "草稿订单下单",
    "draft_order.discard": "丢弃草稿订单",
    "quote.create": "新报价",
    "quote.counter": "还价",
    "quote.accept": "接受报价",
    "quote.decline": "拒绝报价",
}

ENGLISH_NAMES = {
    "note.create": "New note",
    "message.post": "New message",
    "draft_order.save": "Save draft order",
    "draft_order.place": "Place draft order",
    "draft_order.discard": "Discard draft order",
    "quote.create": "New quote",
    "quote.counter": "Counter-offer",
    "quote.accept": "Accept quote",
    "quote.decline": "Decline quote",
}


def current_language() -> str:
    for name in ("OFFLINEOFFICE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def gettext(message: str) -> str:
    if current_language() == "zh-hans":
        return ZH_HANS.get(message, message)
    return ENGLISH_NAMES.get(message, message)


_ = gettext
