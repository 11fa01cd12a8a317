"""`kqcalc template FILE.xlsx`: a blank input workbook the bureau fills in and feeds back to `kqcalc compute`.

One sheet per table of the input contract (`kqcalc.tables.TABLES`), named by its Chinese alias (English name
with `--lang en`), with its headers in row 1 and nothing else: the reader takes every non-blank row under the
header as data, so the examples live on the instructions sheet (first sheet), never on a table sheet.
Each header cell carries a note and each column an input message in the bureau's words; yes/no and enumerated
columns have dropdowns; code columns are formatted as text (so an 18-digit code or a waybill number is not
turned into a number by Excel), date columns as dates, amounts with thousands separators.

The instructions sheet is not a table: `kqcalc compute` ignores it with one `unknown_sheet` warning.
"""

from __future__ import annotations

from pathlib import Path

from kqcalc import tables as T
from kqcalc import words as L
from kqcalc.items import ITEMS
from kqcalc.items import c09_warehouses as _c09
from kqcalc.items import c10_universities as _c10

FILL_ROWS = 1_048_575  # dropdowns and input messages cover the whole sheet below the header

INSTRUCTIONS = L.TEMPLATE_INSTRUCTIONS

# Kind → (zh, en) description of what to type.
KIND_TEXT = {
    T.FIRM_ID: ("18位统一社会信用代码", "18-character unified social credit code"),
    T.TEXT: ("文字", "text"),
    T.KEY: ("编号（按文字填写）", "identifier (text)"),
    T.BOOL: ("是 / 否（也可填 Y/N、√/×）", "yes / no (or 是/否, Y/N, √/×)"),
    T.DATE: ("日期，如 2020-07-01、2020/7/1 或 2020年7月1日", "date, e.g. 2020-07-01 or 2020/7/1"),
    T.MONEY: ("金额，数字（可带千分位和 ¥、$ 符号），不能为负", "amount, a number (thousands separators and ¥/$ "
              "allowed), not negative"),
    T.QUANTITY: ("数字，不能为负", "a number, not negative"),
    T.COUNT: ("整数，不能为负", "a whole number, not negative"),
    T.CURRENCY: ("币种：USD、CNY、EUR、GBP、JPY 或 美元、人民币、欧元、英镑、日元"
                 "（海关代码 502、142 等亦可）；空白为美元",
                 "currency: an ISO code (USD, CNY, EUR …) or a Chinese customs code or name; blank = USD"),
    T.MODEL: ("B2C 或 B2B", "B2C or B2B"),
    T.PROGRAM_KIND: ("专业 或 学院", "major or college"),
    T.ITEM: ("项目代码：1A、1B、2、3A、3B、4、5、6、7、8、9A、9B、9C、10A、10B",
             "item code: 1A, 1B, 2, 3A, 3B, 4, 5, 6, 7, 8, 9A, 9B, 9C, 10A, 10B"),
    T.LEVEL: ("层级：国家、省、市、区", "level: national, provincial, city, district"),
    T.YEAR: ("年份，如 2019", "a year, e.g. 2019"),
    T.RATE: ("数字：1单位该币种折合多少美元", "a number: USD per unit of the currency"),
}

# What each table holds, in the bureau's words.
TABLE_TEXT = {
    "firms": ("所有申报主体（企业、物流企业、服务商、培训机构、平台、园区主办方、高校）的名录及注册、核算、纳税情况。"
              "唯一必填的表。",
              "Every applicant (firms, logistics firms, service providers, training institutions, platforms, park "
              "operators, universities) with its registration, accounting and tax status. The one required table."),
    "negative_records": ("受到处罚或发生事故、纠纷等的记录（由相关职能部门提供）。考核期内的记录使该企业不享受本政策。",
                         "Penalties, incidents and disputes reported by the competent departments; a record dated "
                         "in the period excludes the firm from the policy."),
    "stores": ("企业在跨境电商平台开设的店铺及开店日期（条款一）。",
               "Online stores on cross-border e-commerce platforms and the date they opened (clause 1)."),
    "transactions": ("跨境电商平台的订单交易额（条款一、二）。可逐单填写，也可按日汇总并填写订单数。",
                     "Cross-border online orders (clauses 1 and 2): one row per order, or one row per day with the "
                     "number of orders."),
    "exports_9610": ("海关9610出口清单（条款三）。", "9610 customs export declarations (clause 3)."),
    "logistics": ("物流企业的运单及重量，是否在出口通关服务平台沉淀数据（条款三）。",
                  "Logistics firms' waybills and weights, and whether the data is deposited on the export clearance "
                  "platform (clause 3)."),
    "hosting_services": ("第三方托管服务商及其实际服务的企业（条款四），每个服务商、每家服务企业一行。",
                         "Third-party hosting providers and the firms they serve (clause 4), one row per provider "
                         "and client."),
    "trainings": ("培训机构开办的跨境电商培训期次（条款五），每期一行。",
                  "Cross-border e-commerce training sessions of training institutions (clause 5), one row a session."),
    "platforms": ("跨境电商平台企业及其年交易额（条款六）。", "Platform firms and their annual amount (clause 6)."),
    "platform_onboarding": ("在平台上新增开展业务的企业（条款六），每个平台、每家企业一行。",
                            "Firms that started business on a platform (clause 6), one row per platform and firm."),
    "o2o_stores": ("进口商品O2O线下体验店（条款七）。", "Import-goods O2O offline experience stores (clause 7)."),
    "parks": ("跨境电商产业园及其主办方（条款八）。", "Cross-border e-commerce parks and their operators (clause 8)."),
    "warehouses": ("公共海外仓（条款九），每个海外仓一行。", "Public overseas warehouses (clause 9), one row each."),
    "university_programs": ("高校新设的跨境电商专业（方向）和学院（分院）（条款十）。",
                            "New cross-border e-commerce majors and colleges of universities (clause 10)."),
    "prior_awards": ("往年已按本政策兑现的奖励：一次性项目不再重复兑现，条款八只补差额。",
                     "Awards paid under this policy in earlier years: one-time items are not paid again; clause 8 "
                     "pays only the difference."),
    "other_awards": ("同一企业、同一项目已获国家、省、市、区其他政策的奖励（从高不重复）。",
                     "Awards for the same firm and item under other national, provincial, city or district policies "
                     "(highest only)."),
    "adjustments": ("经研究核减的奖励金额及原因（只能调低，不能调高）。",
                    "Awards lowered by decision, with the reason (an adjustment can only lower an award)."),
    "fx_rates": ("考核期的折算汇率：1单位外币折合多少美元。美元不必填写。",
                 "Exchange rates for the period: USD per unit of each currency. USD needs no row."),
}

# Column → (zh, en, example). "table.column" overrides "column" where a column means something else in a table.
COLUMN_TEXT: dict[str, tuple[str, str, str]] = {
    "firm_id": ("企业的统一社会信用代码", "The firm's unified social credit code", "913306037209313801"),
    "firm_name": ("企业全称", "The firm's full name", "绍兴柯桥锦绣纺织品有限公司"),
    "in_zone": ("是否在综试区柯桥园区内注册登记", "Registered in the Keqiao park of the pilot zone", "是"),
    "independent_accounting": ("是否独立进行财务核算", "Keeps independent financial accounts", "是"),
    "independent_tax": ("是否独立进行纳税申报", "Files its tax returns independently", "是"),
    "is_logistics": ("是否物流企业（物流企业只享受条款三的物流补助）；空白为否",
                     "A logistics firm (paid only under clause 3's logistics subsidy); blank = no", "否"),
    "case_by_case": ("是否按一事一议给予支持（一事一议企业不再享受本政策）；空白为否",
                     "Supported case by case (then nothing under this policy); blank = no", "否"),
    "category": ("记录类别，如 偷税、侵权、假冒、安全生产事故、信用失范", "Category, e.g. 偷税 (tax evasion), 侵权 "
                 "(infringement)", "偷税"),
    "occurred_on": ("处罚或事件发生的日期", "Date of the penalty or incident", "2020-09-15"),
    "note": ("说明，可空白", "Note, may be blank", "区税务局处罚决定书"),
    "platform": ("跨境电商平台名称，如 亚马逊、阿里巴巴国际站", "Platform name, e.g. Amazon, alibaba.com", "亚马逊"),
    "store_id": ("店铺在平台上的编号", "The store's ID on the platform", "A1B2C3D4"),
    "model": ("经营模式", "Business model", "B2C"),
    "opened_on": ("开店日期", "Date the store opened", "2020-08-01"),
    "transactions.store_id": ("产生交易的店铺编号；不知道时空白", "Store ID of the order; blank when unknown",
                              "A1B2C3D4"),
    "traded_on": ("交易日期", "Date of the order(s)", "2020-09-01"),
    "orders": ("订单数（按日汇总时填笔数）；空白为1", "Number of orders (for a daily total); blank = 1", "35"),
    "transactions.amount": ("交易金额（币种见下一列）", "Amount (currency in the next column)", "12,500.00"),
    "currency": ("币种；空白为美元", "Currency; blank = USD", "USD"),
    "declaration_no": ("清单编号", "Declaration number", "293220201000001234"),
    "declared_on": ("申报日期", "Declaration date", "2020-10-12"),
    "exports_9610.amount": ("清单总价", "Total value of the declaration", "8,600.00"),
    "via_platform": ("是否通过轻纺城跨境电商出口通关服务平台申报", "Declared through the 轻纺城 export clearance "
                     "platform", "是"),
    "logistics_firm_id": ("物流企业的统一社会信用代码", "The logistics firm's credit code", "91330603MA2BXXXX1Y"),
    "waybill_no": ("运单号", "Waybill number", "SF1234567890"),
    "shipped_on": ("发运日期", "Date shipped", "2020-11-02"),
    "weight_kg": ("重量（公斤）", "Weight in kg", "2.5"),
    "deposited": ("数据是否在出口通关服务平台沉淀", "Data deposited on the export clearance platform", "是"),
    "provider_id": ("托管服务商的统一社会信用代码", "The hosting provider's credit code", "91330603MA2BXXXX2Z"),
    "hosting_services.client_name": ("实际服务的企业名称", "Name of the client firm served", "绍兴某某贸易有限公司"),
    "hosting_services.client_id": ("服务企业的统一社会信用代码；知道时填写", "Client's credit code, when known",
                                   "91330603MA2BXXXX3A"),
    "client_b2c_usd": ("服务企业跨境B2C年在线交易额（美元）；空白为0", "Client's yearly cross-border B2C amount (USD); "
                       "blank = 0", "150,000"),
    "client_b2b_usd": ("服务企业跨境B2B年在线交易额（美元）；空白为0", "Client's yearly cross-border B2B amount (USD); "
                       "blank = 0", "0"),
    "service_fee_rmb": ("收取的服务费（元）", "Service fees charged (RMB)", "60,000"),
    "institution_id": ("培训机构的统一社会信用代码", "The training institution's credit code", "52330602MJXXXXXX1L"),
    "session_id": ("培训期次编号", "Session number", "BT-KJ-2001"),
    "started_on": ("开班日期", "Start date", "2020-09-07"),
    "days": ("培训天数（天数、课时至少填一项）", "Days (give days or class hours or both)", "5"),
    "class_hours": ("课时数", "Class hours", "40"),
    "trainees": ("参训人数", "Trainees", "60"),
    "trainings.recognized": ("培训项目是否经区商务局认定", "Recognized by the district commerce bureau", "是"),
    "platform_id": ("平台企业的统一社会信用代码", "The platform firm's credit code", "91330603MA2BXXXX4B"),
    "annual_usd": ("平台年交易额（美元）", "The platform's annual amount (USD)", "32,000,000"),
    "platform_onboarding.client_name": ("新入驻企业名称", "Name of the firm that joined", "绍兴某某家纺有限公司"),
    "platform_onboarding.client_id": ("新入驻企业的统一社会信用代码；知道时填写", "Its credit code, when known",
                                      "91330603MA2BXXXX5C"),
    "joined_on": ("入驻（开始在平台开展业务）日期", "Date it started business on the platform", "2020-12-01"),
    "client_annual_usd": ("入驻企业年交易额（美元）", "Its annual amount (USD)", "120,000"),
    "o2o_stores.store_id": ("体验店编号", "Store number", "O2O-01"),
    "area_m2": ("营业面积（平方米）", "Business area (m²)", "450"),
    "lease_start": ("租赁起始日期", "Lease start date", "2020-07-01"),
    "lease_end": ("租赁截止日期", "Lease end date", "2022-06-30"),
    "o2o_stores.recognized": ("体验店是否经认定", "Recognized", "是"),
    "park_id": ("园区主办方的统一社会信用代码", "The park operator's credit code", "91330602MA2BXXXX6D"),
    "park_name": ("园区名称", "Park name", "柯桥跨境电商产业园"),
    "active_firms": ("入驻有实绩的跨境电商企业数", "Resident cross-border e-commerce firms with actual business", "45"),
    "online_total_rmb": ("园区年在线交易总额（元）", "The park's annual online total (RMB)", "420,000,000"),
    "parks.recognized": ("园区是否经认定", "Recognized", "是"),
    "warehouse_id": ("海外仓编号", "Warehouse number", "HWC-MY-KUL-01"),
    "country": ("所在国家：两位国家代码（如 MY）或中文名称（如 马来西亚）", "Country: ISO two-letter code (e.g. MY) "
                "or Chinese name", "马来西亚"),
    "provincial_pilot_new": ("考核期内是否新列入省级跨境电商公共海外仓建设试点名单；空白为否",
                             "Newly listed as a provincial public overseas-warehouse pilot in the period; blank = no",
                             "是"),
    "municipal_standard": ("是否经认定达到市级公共海外仓建设标准；空白为否",
                           "Recognized as meeting the municipal standard; blank = no", "否"),
    "operating_since": ("开始运营日期", "Operating since", "2019-05-01"),
    "lease_cost_rmb": ("场地租赁费（元）；空白为0", "Site lease cost (RMB); blank = 0", "600,000"),
    "equipment_cost_rmb": ("设备采购费（元）；空白为0", "Equipment cost (RMB); blank = 0", "300,000"),
    "system_cost_rmb": ("系统开发费（元）；空白为0", "System development cost (RMB); blank = 0", "100,000"),
    "newly_built": ("是否新建；空白为否", "Newly built; blank = no", "是"),
    "university_id": ("高校的统一社会信用代码", "The university's credit code", "123306034614027582"),
    "program_id": ("专业（方向）或学院（分院）编号", "Major or college number", "ZY-KQ-2020-01"),
    "kind": ("类型：新设专业（方向）填“专业”，新设学院（分院）填“学院”", "Kind: major or college", "专业"),
    "approved_on": ("批准日期", "Date approved", "2020-09-01"),
    "in_admission_plan": ("是否纳入高等院校统一招生计划（专业填写）；空白为否",
                          "In the unified admission plan (majors); blank = no", "是"),
    "enrollment": ("人数：专业填每年招生人数，学院填在院人数", "Students: yearly enrolment of a major, students of a "
                   "college", "45"),
    "item": ("项目代码", "Item code", _c09.ITEMS[0]),  # (item codes are their clauses' words: none written here)
    "ref": (f"关联编号：{'/'.join(_c09.ITEMS)} 填海外仓编号，{'/'.join(_c10.ITEMS)} 填专业学院编号，其他项目空白",
            f"Ref: the warehouse number for {'/'.join(_c09.ITEMS)}, the program number for {'/'.join(_c10.ITEMS)}, "
            "else blank", "HWC-MY-KUL-01"),
    "year": ("兑现所属的年度", "The year it was paid for", "2019"),
    "prior_awards.amount_rmb": ("已兑现金额（元）", "Amount paid (RMB)", "200,000"),
    "level": ("奖励的政策层级", "Level of the other policy", "市"),
    "other_awards.amount_rmb": ("其他政策给予的奖励金额（元）", "Amount awarded under the other policy (RMB)",
                                "100,000"),
    "award_rmb": ("核定金额（元），不得高于计算出的奖励金额", "Decided award (RMB), not above the computed award",
                  "150,000"),
    "reason": ("调整原因", "Reason for the adjustment", "经区商务局研究核减"),
    "fx_rates.currency": ("币种", "Currency", "EUR"),
    "usd_per_unit": ("1单位该币种折合多少美元", "USD per unit of the currency", "1.18"),
}

WORDS = L.TEMPLATE


def column_text(table: str, column: str) -> tuple[str, str, str]:
    """(zh, en, example) for a column, the table-specific text first."""
    return COLUMN_TEXT.get(f"{table}.{column}") or COLUMN_TEXT.get(column) or (column, column, "")


def choices(table: str, column: T.Column, lang: str) -> list[str] | None:
    """The dropdown values of a column (None: free entry)."""
    zh = lang == "zh"
    if column.kind == T.BOOL:
        return ["是", "否"] if zh else ["yes", "no"]
    if column.kind == T.MODEL:
        return ["B2C", "B2B"]
    if column.kind == T.PROGRAM_KIND:
        return ["专业", "学院"] if zh else ["major", "college"]
    if column.kind == T.ITEM:
        return list(ITEMS)
    if column.kind == T.LEVEL:
        return ["国家", "省", "市", "区"] if zh else ["national", "provincial", "city", "district"]
    if column.kind == T.CURRENCY:
        return ["USD", "CNY", "EUR", "GBP", "JPY"]
    if table == "negative_records" and column.name == "category":
        from kqcalc.policy import load_policy

        return list(load_policy().general.get("negative_categories", []))
    return None


def _header(table: T.Table, column: T.Column, lang: str) -> str:
    return column.alias if lang == "zh" else column.name


def _example(table: str, column: T.Column, lang: str) -> str:
    example = column_text(table, column.name)[2]
    if lang == "en":
        example = {"是": "yes", "否": "no", "专业": "major", "学院": "college", "市": "city"}.get(example, example)
    return example


def write_template(path: Path | str, lang: str = "zh") -> Path:
    """Write the blank input workbook; returns its path."""
    import xlsxwriter

    path = Path(path)
    lang = L.lang_of(lang)
    w = WORDS[lang]
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    font = {"font_name": "等线" if lang == "zh" else "Calibri", "font_size": 10, "valign": "top"}
    border = {"border": 1, "border_color": "#BFBFBF"}
    f_title = wb.add_format(font | {"bold": True, "font_size": 14})
    f_intro = wb.add_format(font)
    f_head = wb.add_format(font | border | {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                                             "valign": "vcenter"})
    f_head_required = wb.add_format(font | border | {"bold": True, "bg_color": "#F8CBAD", "text_wrap": True,
                                                      "valign": "vcenter"})
    f_section = wb.add_format(font | border | {"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    f_cell = wb.add_format(font | border | {"text_wrap": True})
    column_formats = {
        "text": wb.add_format(font | {"num_format": "@"}),
        "date": wb.add_format(font | {"num_format": "yyyy-mm-dd"}),
        "money": wb.add_format(font | {"num_format": "#,##0.00"}),
        "count": wb.add_format(font | {"num_format": "0"}),
        "number": wb.add_format(font),
    }

    # The instructions sheet first: what to do, then every table and column with an example.
    guide = wb.add_worksheet(INSTRUCTIONS[lang])
    guide.write_string(0, 0, w["title"], f_title)
    for i, line in enumerate(w["intro"], 1):
        guide.write_string(i, 0, line, f_intro)
    top = len(w["intro"]) + 2
    for c, head in enumerate(w["columns"]):
        guide.write_string(top, c, head, f_head)
    widths = [14, 18, 24, 6, 40, 56, 28]
    r = top
    for table in T.TABLES.values():
        r += 1
        sheet = table.alias if lang == "zh" else table.name
        other = table.name if lang == "zh" else table.alias
        text = TABLE_TEXT[table.name][0 if lang == "zh" else 1]
        guide.merge_range(r, 0, r, len(widths) - 1, f"{sheet}（{other}）：{text}" if lang == "zh"
                          else f"{sheet} ({other}): {text}", f_section)
        guide.set_row(r, 14 * max(1, -(-L.display_width(text) // 150)) + 4)
        for column in table.columns:
            r += 1
            zh, en, _ = column_text(table.name, column.name)
            kind = KIND_TEXT.get(column.kind, ("", ""))[0 if lang == "zh" else 1]
            if column.default not in (None, "") and column.kind != T.CURRENCY:
                kind += ("；" if lang == "zh" else "; ") + w["default"].format(value=column.default)
            row = [sheet, _header(table, column, lang), column.name, w["required" if column.required else "optional"],
                   kind, zh if lang == "zh" else en, _example(table.name, column, lang)]
            for c, value in enumerate(row):
                guide.write_string(r, c, value, f_cell)
            lines = max(-(-L.display_width(v) // widths[c]) for c, v in enumerate(row))
            guide.set_row(r, 13.5 * max(1, lines) + 2)
    for c, width in enumerate(widths):
        guide.set_column(c, c, width)
    guide.freeze_panes(top + 1, 0)
    guide.set_landscape()
    guide.set_paper(9)
    guide.fit_to_pages(1, 0)
    guide.repeat_rows(top)
    guide.hide_gridlines(1)

    # One sheet per table: the header row only, with notes, formats and dropdowns below it.
    for table in T.TABLES.values():
        ws = wb.add_worksheet(table.alias if lang == "zh" else table.name)
        for c, column in enumerate(table.columns):
            header = _header(table, column, lang)
            zh, en, _ = column_text(table.name, column.name)
            help_text = zh if lang == "zh" else en
            kind = KIND_TEXT.get(column.kind, ("", ""))[0 if lang == "zh" else 1]
            ws.write_string(0, c, header, f_head_required if column.required else f_head)
            note = f"{help_text}\n{kind}\n{w['required' if column.required else 'optional']}"
            ws.write_comment(0, c, note, {"x_scale": 2.2, "y_scale": 1.4, "font_name": font["font_name"]})
            example = _example(table.name, column, lang)
            width = max(12, L.display_width(header) + 4, L.display_width(example) + 3)
            ws.set_column(c, c, min(width, 40), column_formats[_format_kind(column)])
            message = {"input_title": header[:32], "input_message": f"{help_text}\n{kind}"[:255]}
            values = choices(table.name, column, lang)
            if values:
                ws.data_validation(1, c, FILL_ROWS, c, {
                    "validate": "list", "source": values, **message,
                    # Free entry stays possible where the reader accepts more spellings than the list shows.
                    "error_type": "stop" if column.kind in (T.MODEL, T.ITEM) else "warning",
                    "error_title": header[:32], "error_message": kind[:255]})
            else:
                ws.data_validation(1, c, FILL_ROWS, c, {"validate": "any", **message})
        ws.set_row(0, 30)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, 0, len(table.columns) - 1)
    wb.close()
    return path


def _format_kind(column: T.Column) -> str:
    if column.kind == T.DATE:
        return "date"
    if column.kind in (T.MONEY,):
        return "money"
    if column.kind in (T.COUNT, T.YEAR):
        return "count"
    if column.kind in (T.QUANTITY, T.RATE):
        return "number"
    return "text"  # codes, names, yes/no, enumerations: never turned into numbers or dates by Excel

