"""Chinese and English labels, one dict (default Chinese).

Server-built text uses ``t(key, lang)``; static labels use ``bi(key)``, which renders both
languages and lets CSS show the active one (the root's ``lang-zh`` / ``lang-en`` class), so a
language switch costs no server round trip and never rebuilds the map.
"""

from __future__ import annotations

from dash import html

__all__ = ["LANGS", "DEFAULT_LANG", "TEXT", "t", "bi", "lang_of"]

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("一张图 指挥中心", "OneMap Command"),
    "app.subtitle": ("实时指挥一张图", "Real-time command map"),
    "tab.command": ("一张图", "Command map"),
    "tab.alerts": ("预警", "Alerts"),
    "hdr.clock": ("事件时间", "Event time"),
    "hdr.workers": ("处理进程", "Workers"),
    "hdr.open": ("未处置事件", "Open incidents"),
    "hdr.age": ("数据延迟", "Data age"),
    "hdr.lang": ("语言", "Language"),
    "health.ok": ("正常", "OK"),
    "health.partial": ("部分", "Partial"),
    "health.down": ("离线", "Down"),
    "sev.red": ("红", "Red"),
    "sev.orange": ("橙", "Orange"),
    "sev.yellow": ("黄", "Yellow"),
    "sev.blue": ("蓝", "Blue"),
    "type.zone_exit": ("越出巡区", "Zone exit"),
    "type.restricted_entry": ("闯入禁区", "Restricted entry"),
    "type.overspeed": ("超速", "Overspeed"),
    "type.night_ban": ("夜间禁行", "Night ban"),
    "type.fatigue": ("疲劳驾驶", "Fatigue"),
    "type.watchlist_hit": ("布控命中", "Watchlist hit"),
    "type.cloned_plate": ("套牌嫌疑", "Cloned plate"),
    "type.unit_offline": ("警力离线", "Unit offline"),
    "type.officer_help": ("紧急求助", "Officer help"),
    "cat.coach": ("客运", "Coach"),
    "cat.bus": ("公交", "Bus"),
    "cat.school_bus": ("校车", "School bus"),
    "cat.hazmat": ("危化", "Hazmat"),
    "cat.truck": ("货车", "Truck"),
    "cat.taxi": ("出租", "Taxi"),
    "cat.private": ("私家车", "Private"),
    "kind.unit": ("警力", "Patrol unit"),
    "kind.vehicle": ("重点车辆", "Monitored vehicle"),
    "kind.other": ("其他目标", "Other subject"),
    "kind.checkpoint": ("卡口", "Checkpoint"),
    "kind.alert": ("预警", "Alert"),
    "unit.available": ("空闲", "Available"),
    "unit.busy": ("出警", "Busy"),
    "unit.offline": ("离线", "Offline"),
    "layer.zones": ("巡区", "Patrol zones"),
    "layer.restricted": ("禁区", "Restricted zones"),
    "layer.roads": ("道路", "Roads"),
    "layer.checkpoints": ("卡口", "Checkpoints"),
    "layer.units": ("警力", "Units"),
    "layer.trails": ("轨迹", "Trails"),
    "layer.vehicles": ("车辆", "Vehicles"),
    "layer.alerts": ("预警", "Alerts"),
    "side.layers": ("图层", "Layers"),
    "side.detail": ("详情", "Details"),
    "side.feed": ("实时预警（按事件）", "Live alerts by incident"),
    "side.pick": ("点击地图上的警力、车辆、卡口或预警查看详情", "Click a unit, vehicle, checkpoint or alert"),
    "det.last_ping": ("最后定位", "Last ping"),
    "det.age": ("距今", "Age"),
    "det.speed": ("速度", "Speed"),
    "det.heading": ("方向", "Heading"),
    "det.zone": ("所在区域", "Zone"),
    "det.assigned": ("责任巡区", "Assigned zone"),
    "det.status": ("状态", "Status"),
    "det.category": ("车辆类型", "Category"),
    "det.operator": ("所属单位", "Operator"),
    "det.position": ("位置", "Position"),
    "det.watch": ("布控", "Watchlist"),
    "det.track": ("轨迹点(10分钟)", "Track points (10 min)"),
    "det.recent": ("近期预警", "Recent alerts"),
    "det.reads": ("最近过车", "Latest reads"),
    "det.station": ("执法站", "Enforcement station"),
    "det.next": ("下游卡口", "Downstream"),
    "det.none": ("无", "None"),
    "det.nodata": ("暂无数据", "No data yet"),
    "det.type": ("类型", "Type"),
    "det.severity": ("级别", "Severity"),
    "det.subject": ("对象", "Subject"),
    "det.time": ("时间", "Time"),
    "det.text": ("描述", "Text"),
    "det.ack": ("确认", "Acknowledged"),
    "det.checkpoint": ("卡口", "Checkpoint"),
    "det.confidence": ("置信度", "Confidence"),
    "al.filter.type": ("类型", "Type"),
    "al.filter.severity": ("级别", "Severity"),
    "al.filter.zone": ("区域", "Zone"),
    "al.filter.window": ("时段", "Time"),
    "al.filter.status": ("状态", "Status"),
    "al.filter.plate": ("车牌/对象搜索", "Search plate / subject"),
    "al.window.15m": ("近15分钟", "Last 15 min"),
    "al.window.1h": ("近1小时", "Last hour"),
    "al.window.6h": ("近6小时", "Last 6 h"),
    "al.window.24h": ("近24小时", "Last 24 h"),
    "al.window.all": ("全部", "All"),
    "al.status.all": ("全部", "All"),
    "al.status.open": ("未处置", "Open"),
    "al.status.acked": ("已确认", "Acknowledged"),
    "al.status.overdue": ("超时", "Overdue"),
    "al.col.time": ("时间", "Time"),
    "al.col.severity": ("级别", "Severity"),
    "al.col.type": ("类型", "Type"),
    "al.col.subject": ("对象", "Subject"),
    "al.col.zone": ("区域", "Zone"),
    "al.col.checkpoint": ("卡口", "Checkpoint"),
    "al.col.text": ("描述", "Text"),
    "al.col.incident": ("事件", "Incident"),
    "al.col.age": ("已等待", "Open for"),
    "al.col.status": ("状态", "Status"),
    "al.col.locate": ("定位", "Locate"),
    "al.locate": ("◎ 定位", "◎ Map"),
    "al.count": ("条", "alerts"),
    "al.total": ("共", "Total"),
    "al.chart": ("按类型统计", "By type"),
    "al.export": ("导出CSV", "Export CSV"),
    "al.ack.title": ("确认预警", "Acknowledge alert"),
    "al.ack.pick": ("在表中点选一条预警", "Select an alert in the table"),
    "al.ack.officer": ("值班员", "Officer"),
    "al.ack.no_role": ("此账号无权确认预警（需 officer 或 supervisor）",
                       "This account may not acknowledge (officer or supervisor only)"),
    "auth.demo": ("演示账号：officer、supervisor、wall、unit-{单位编号}，密码均为 demo",
                  "Demo accounts: officer, supervisor, wall, unit-{unit id}; password demo"),
    "auth.sign_out": ("退出", "Sign out"),
    "al.ack.note": ("处置说明", "Note"),
    "al.ack.button": ("确认", "Acknowledge"),
    "al.ack.done": ("已确认", "Acknowledged"),
    "al.ack.whole": ("确认整个事件（该对象窗口内的全部预警）", "Acknowledge the whole incident (all its alerts)"),
    "al.ack.already": ("该预警已被确认", "This alert was already acknowledged"),
    "al.ack.need_alert": ("请先在表中选择一条预警", "Select an alert in the table first"),
    "al.ack.need_officer": ("请填写值班员姓名（officer）", "Fill in the officer's name (officer)"),
    "al.ack.need_note": ("请填写处置说明（note）", "Fill in a note (note)"),
    "al.ack.too_long": ("说明过长（note，最多500字）", "The note is too long (note, 500 characters at most)"),
    "al.ack.unknown": ("找不到该预警，请刷新表格", "No such alert: refresh the table"),
    # --- the Dispatch tab ---
    "tab.dispatch": ("派警", "Dispatch"),
    "dp.queue": ("待派警预警", "Alerts to dispatch"),
    "dp.queue.empty": ("没有未处置的预警", "No open alerts"),
    "dp.sent": ("已派", "sent"),
    "dp.pick": ("在左侧点选一条预警，查看可派警力", "Pick an alert on the left to see the units that can go"),
    "dp.candidates": ("可派警力（按到达时间排序）", "Candidates, ranked"),
    "dp.none": ("没有可用的警力定位", "No unit has a position yet"),
    "dp.col.rank": ("#", "#"),
    "dp.col.unit": ("警力", "Unit"),
    "dp.col.status": ("状态", "Status"),
    "dp.col.distance": ("距离", "Distance"),
    "dp.col.eta": ("预计到达", "ETA"),
    "dp.col.station": ("拦截点", "Station"),
    "dp.col.margin": ("提前量", "Margin"),
    "dp.send": ("派遣", "Dispatch"),
    "dp.sent_ok": ("已派遣", "Dispatched"),
    "dp.no_role": ("此账号无权派警（需 officer 或 supervisor）", "This account may not dispatch (officer or supervisor only)"),
    "dp.unknown": ("找不到该预警", "No such alert"),
    "dp.unknown_unit": ("没有该警力", "No such unit"),
    "dp.already": ("该警力已在执行此预警的派警", "This unit already has an open order for this alert"),
    "dp.map": ("派警地图", "Dispatch map"),
    "dp.board": ("派警看板", "Open orders"),
    "dp.board.empty": ("没有进行中的派警", "No open orders"),
    "dp.col.alert": ("预警", "Alert"),
    "dp.col.accept": ("接警用时", "Time to accept"),
    "dp.col.scene": ("到场用时", "Time to scene"),
    "dp.col.next": ("改派", "Next unit"),
    "dp.overdue": ("超时", "overdue"),
    "dp.escalated": ("已升级", "ESCALATED"),
    "dp.auto_tag": ("自动派遣", "auto-dispatched"),
    "dp.no_next": ("无其他可派警力", "no other unit"),
    "dp.auto": ("自动派警（按预警类型，默认关闭）", "Auto-dispatch by alert type (off by default)"),
    "dp.auto.on_by": ("已开启", "on, by"),
    "dp.auto.none": ("全部关闭", "All off"),
    "dp.auto.changed": ("自动派警已更新", "Auto-dispatch updated"),
    "dp.notices": ("通知", "Notices"),
    "dp.status.issued": ("已派遣", "Dispatched"),
    "dp.status.accepted": ("已接受", "Accepted"),
    "dp.status.en_route": ("出发", "En route"),
    "dp.status.on_scene": ("到场", "On scene"),
    "dp.status.cleared": ("完成", "Cleared"),
    "dp.status.declined": ("拒绝", "Declined"),
    "dp.from_detail": ("派警", "Dispatch a unit"),
    "dp.from_table": ("为选中预警派警", "Dispatch for the selected alert"),
    "wall.open": ("未处置事件", "Open incidents"),
    "wall.units": ("警力", "Patrol units"),
    "wall.intercepts": ("今日拦截", "Intercepts today"),
    "wall.vehicles": ("在线重点车辆", "Vehicles monitored"),
    "wall.ticker": ("红橙及超时事件", "Red, orange and overdue incidents"),
    "wall.age": ("数据", "Data"),
    "wall.stalled": ("数据中断", "Feed stalled"),
    "misc.kmh": ("公里/时", "km/h"),
    "misc.s_ago": ("秒前", "s ago"),
    "misc.connected": ("已连接", "Live"),
    "misc.disconnected": ("连接中断", "Disconnected"),
}


def lang_of(value: object) -> str:
    """A supported language code, else the default.

    >>> lang_of("en"), lang_of("fr"), lang_of(None)
    ('en', 'zh', 'zh')
    """
    return value if isinstance(value, str) and value in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """The label of ``key`` in ``lang``; the key itself when it has no label (visible, not fatal).

    >>> t("tab.alerts", "en"), t("tab.alerts", "zh"), t("no.such.key", "en")
    ('Alerts', '预警', 'no.such.key')
    """
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def bi(key: str, className: str = "") -> html.Span:
    """Both languages of ``key``; CSS shows the active one."""
    zh, en = TEXT.get(key, (key, key))
    return html.Span([html.Span(zh, className="i18n-zh"), html.Span(en, className="i18n-en")],
                     className=("i18n " + className).strip())
