"""The one registry of codes: every issue code (issues.csv) and every stop (`Error:` line, exit 1 or 2) with its
severity, its message in Chinese and in English, and what to do about it (SPEC §4 "Language").

Codes never change with the language; the words do. A template names its placeholders ({file}, {row},
{column}, {value} …); the Chinese and the English template of a code use the same ones (tests/test_messages.py
checks this, that every code kqcalc raises is here, and that README.md lists every issue code).

Besides the issue's own fields (table, file, row, column), a few placeholders are rendered per language:
`more` (a count of further cells: "" when 0, else " and 3 more" / "等，另有 3 处") and `outcome` (a key of
OUTCOMES: what happens to a row with an error). Everything else is inserted as given.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
STOP = "stop"  # the run cannot go on: an `Error:` line and exit 1 (or 2 for a usage error)
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Code:
    severity: str
    zh: str
    en: str
    hint_zh: str = ""
    hint_en: str = ""

    def template(self, lang: str) -> str:
        return self.zh if lang_of(lang) == "zh" else self.en

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang_of(lang) == "zh" else self.hint_en


def lang_of(lang: str | None) -> str:
    return "en" if (lang or "").strip().lower() == "en" else "zh"


OUTCOMES = {
    "quarantined": ("该行未使用（隔离）", "row quarantined"),
    "record_applies": ("该记录仍然有效（企业仍不符合条件）", "the record still applies (it disqualifies the firm)"),
    "award_applies": ("该奖励仍然有效，按占满整个项目计", "the award still applies, as if it had taken the whole line"),
}

_CELL_TEXT = ("（{value}）；{outcome}", " ({value}); {outcome}")


def _cell(zh: str, en: str, hint_zh: str, hint_en: str) -> Code:
    """A cell that cannot be read: what it should be, the text found, and what happened to the row."""
    return Code(ERROR, zh + _CELL_TEXT[0], en + _CELL_TEXT[1], hint_zh, hint_en)


CODES: dict[str, Code] = {
    # ---- errors in cells (clean.py): the row is quarantined, or for a soft column the record still applies
    "missing_value": Code(ERROR, "必填单元格为空；{outcome}", "required cell is blank; {outcome}",
                          "填写该单元格", "fill it in"),
    "missing_duration": Code(ERROR, "培训场次须填写天数或课时；{outcome}", "a session needs days or class hours; "
                             "{outcome}", "填写天数或课时之一", "give one of them"),
    "bad_firm_id": _cell("不是 18 位统一社会信用代码（数字和除 I、O、S、V、Z 外的字母 A–Y）",
                         "not an 18-character Unified Social Credit Code (digits and A–Y without I, O, S, V, Z)",
                         "按营业执照抄写代码", "copy the code from the business licence"),
    "bad_boolean": _cell("不是“是/否”值（是/否、Y/N、yes/no、true/false、1/0、√/×）",
                         "not a yes/no value (是/否, Y/N, yes/no, true/false, 1/0, √/×)",
                         "使用上述写法之一", "use one of those"),
    "bad_date": _cell("不是日期：请写年、月、日（2020-07-01、2020/7/1、2020年7月1日或 Excel 日期），"
                      "其后可带不含时区的时刻（2021/6/30 18:30）",
                      "not a date: write the year, month and day (2020-07-01, 2020/7/1, 2020年7月1日 or an Excel "
                      "date), optionally followed by a time of day without a time zone (2021/6/30 18:30)",
                      "填写真实存在的日期（2020-02-30 不是日期）", "type a real date (2020-02-30 is not one)"),
    "bad_number": _cell("不是数字（千分位逗号须每三位一组）", "not a number",
                        "填写数字，小数用小数点", "type the number; use a point for decimals"),
    "too_many_decimals": _cell("小数位数超过 kqcalc 精确保留的位数（金额 {money_scale} 位，汇率 {rate_scale} 位）："
                               "kqcalc 从不截断数字，请在表中先行舍入",
                               "more decimals than kqcalc keeps exactly ({money_scale} for amounts, {rate_scale} "
                               "for rates): it never cuts digits; round the value in the sheet",
                               "在表中将数值舍入到允许的位数", "round the value in the sheet"),
    "negative_value": _cell("金额、重量、数量和面积不能为负数",
                            "negative amounts, weights, counts and areas are not allowed",
                            "填写正数，或删除该行", "enter the figure as a positive number, or delete the row"),
    "not_whole_number": _cell("必须是整数", "must be a whole number", "填写整数", "type a whole number"),
    "bad_year": _cell("不是年份", "not a year", "填写四位年份", "type a year"),
    "bad_rate": _cell("汇率必须为正数", "an exchange rate must be positive", "填写正的汇率", "type a positive rate"),
    "bad_currency": _cell("无法识别的币种（请用 USD/CNY/EUR 等 ISO 代码或 502/142 等海关代码）",
                          "unknown currency (use an ISO code such as USD/CNY/EUR or a customs code such as 502/142)",
                          "使用 kqcalc 认识的币种代码", "use a code kqcalc knows"),
    "bad_model": _cell("必须是 B2C 或 B2B", "must be B2C or B2B", "填写列表中的值", "use a listed value"),
    "bad_program_kind": _cell("必须是“专业”或“学院”（major/college）", "must be major/专业 or college/学院",
                              "填写列表中的值", "use a listed value"),
    "bad_level": _cell("必须是国家/省/市/区（national/provincial/city/district）",
                       "must be national/provincial/city/district (国家/省/市/区)",
                       "填写列表中的值", "use a listed value"),
    "bad_item": _cell("必须是项目代码 1A、1B、2、3A、3B、4、5、6、7、8、9A、9B、9C、10A、10B 之一",
                      "must be one of the item codes 1A, 1B, 2, 3A, 3B, 4, 5, 6, 7, 8, 9A, 9B, 9C, 10A, 10B",
                      "填写列表中的值", "use a listed value"),
    # ---- errors in cells found while reading a workbook (read.py): the row is not used
    "formula_without_value": Code(
        ERROR, "单元格 {cell} 含公式 {formula}，但没有保存计算结果（文件不是由 Excel 保存的）：请用 Excel 打开并保存，"
        "或直接填写数值；该行未使用",
        "cell {cell} holds the formula {formula} but no saved value (the file was not saved by Excel): open it in "
        "Excel and save it, or type the value; the row is not used",
        "用 Excel 打开并保存，或填写数值", "open the file in Excel and save it, or type the value"),
    "cell_error": Code(ERROR, "单元格 {cell} 是 Excel 错误值 {error}：请改正公式或直接填写数值；该行未使用",
                       "cell {cell} holds the Excel error {error}: correct the formula or type the value; the row is "
                       "not used", "改正公式或填写数值", "fix the formula or type the value"),
    "merged_cell": Code(ERROR, "单元格 {cell} 位于合并区域 {range} 内：合并后的值虽显示在其上，读出却为空；"
                        "请取消合并并逐格填写；该行未使用",
                        "cell {cell} lies in the merged range {range}: it reads as empty although the merged value "
                        "is shown across it; unmerge the cells and fill in each one; the row is not used",
                        "取消合并并逐格填写", "unmerge and fill in every cell"),
    "credit_code_as_number": Code(
        ERROR, "单元格 {cell} 中的代码以数字保存（{number}）：Excel 的数字只保留 15 位，代码末尾几位已丢失；"
        "请将该列设为文本（设置单元格格式 → 文本）后重新输入代码；该行未使用",
        "cell {cell} holds the code as a number ({number}): Excel keeps only 15 digits of a number, so the code's "
        "last digits are lost; format the column as text (设置单元格格式 → 文本) and type the code again; the row is "
        "not used", "将该列设为文本后重新输入代码", "format the column as text and type the code again"),
    # ---- errors about keys, rates and adjustments (clean.py, rules.py, run.py)
    "duplicate_conflict": Code(ERROR, "与 {others} 的主键相同（{key}）但内容不同；这些行全部隔离",
                               "same key ({key}) as {others} with different values; every one quarantined",
                               "保留正确的一行，删除其余", "keep the right row, delete the others"),
    "bad_usd_rate": Code(ERROR, "美元汇率必须为 1，而不是 {rate}；已忽略（美元仍按 1 计）",
                         "the USD rate must be 1, not {rate}; ignored (USD stays 1)",
                         "美元汇率填 1", "give USD the rate 1"),
    "no_fx_rate": Code(ERROR, "fx_rates 中没有 {currency} 的汇率；该行未使用（隔离）",
                       "no exchange rate for {currency} in fx_rates; row quarantined",
                       "在 fx_rates 中补充该币种本期汇率（每单位折合美元）",
                       "add the rate (USD per unit) for the period"),
    "firm_data_error": Code(ERROR, "{firm_id} 在企业名录中有相互矛盾的行：在所有项目中均不符合条件（data_error）",
                            "{firm_id} has conflicting rows in the firms table: ineligible everywhere (data_error)",
                            "在企业名录中只保留该企业正确的一行", "keep one right row for the firm in firms"),
    "adjustment_without_line": Code(ERROR, "本次计算中没有 {firm_id} 项目 {item}{ref} 的明细；未执行该调整",
                                    "there is no line {firm_id} item {item}{ref} in this run; not applied",
                                    "核对企业代码、项目和编号", "check the firm, item and ref"),
    "adjustment_on_unpaid_line": Code(ERROR, "{firm_id} 项目 {item}{ref} 未获奖励（状态 {status}）；"
                                      "调整只能调低已发放的奖励；未执行该调整",
                                      "line {firm_id} item {item}{ref} is not paid (status {status}); an adjustment "
                                      "can only lower a paid award; not applied",
                                      "删除该调整", "delete the adjustment"),
    "adjustment_above_amount": Code(ERROR, "{amount} 高于该项奖励 {award}；调整只能调低奖励；未执行该调整",
                                    "{amount} is more than the line's award {award}; an adjustment can only lower it; "
                                    "not applied", "填写不高于奖励的金额", "give an amount no higher than the award"),
    # ---- warnings: the run goes on
    "duplicate_merged": Code(WARNING, "与 {first} 相同（{key}）；已合并为一行",
                             "identical to {first} ({key}); merged into it"),
    "unknown_firm": Code(WARNING, "{firm_id} 不在企业名录中（本文件 {n} 行）；其明细不符合条件",
                         "{firm_id} is not in the firms table ({n} row(s) in this file); its lines are ineligible",
                         "在企业名录中补充该企业，或改正代码", "add the firm or fix the id"),
    "bad_check_char": Code(WARNING, "{firm_id}：校验码（第 18 位）与 GB 32100-2015 不符；该行保留，请核对代码",
                           "{firm_id}: the check character (18th) does not match GB 32100-2015; the row is kept — "
                           "please verify the code", "核对代码", "verify the code"),
    "total_row": Code(WARNING, "第 {row} 行（{label}）是合计行，未使用（合计会重新计算，绝不重复相加）",
                      "row {row} ({label}) is a total row; it was not used (totals are recomputed, never summed "
                      "twice)"),
    "title_rows_skipped": Code(WARNING, "表头（第 {header_row} 行）上方的第 {rows} 行作为标题跳过：{texts}",
                               "rows {rows} above the header (row {header_row}) were read as a title and skipped: "
                               "{texts}"),
    "title_rows_skipped/one": Code(WARNING, "表头（第 {header_row} 行）上方的第 {rows} 行作为标题跳过：{texts}",
                                   "row {rows} above the header (row {header_row}) was read as a title and skipped: "
                                   "{texts}"),
    "merged_cells": Code(WARNING, "合并单元格 {ranges}{more}：合并区域只有左上角单元格存有值，其余读出为空；"
                         "请取消合并并逐格填写",
                         "merged cells {ranges}{more}: only the top-left cell of a merged range holds its value, the "
                         "others read as empty; unmerge the cells and fill in each one",
                         "取消合并并逐格填写", "unmerge and fill in every cell"),
    "stray_cells_ignored": Code(
        WARNING, "{cells}{more} 远在表格（第 {first_row} 至 {last_row} 行，{first_col} 至 {last_col} 列）之外，已忽略；"
        "请删除（或移入表格内）后保存工作簿",
        "{cells}{more} lie far outside the table (rows {first_row} to {last_row}, columns {first_col} to "
        "{last_col}) and were ignored; delete them (or move them into the table) and save the workbook",
        "删除这些单元格", "delete them"),
    "extra_columns": Code(WARNING, "不属于 {table} 表的列已忽略：{columns}",
                          "columns not in the {table} table were ignored: {columns}"),
    "extra_fields": Code(ERROR, "第 {line} 行有 {fields} 个字段，而表头只有 {header} 个（多出：{extra}）："
                         "单元格中的逗号（如企业名称中）会把它拆开；请给该单元格加上英文双引号或删去逗号；该行未使用",
                         "line {line} has {fields} fields but the header has {header} (extra: {extra}): a comma "
                         "inside a cell, such as in a firm name, splits it; put that cell in double quotes or remove "
                         "the comma; the row is not used",
                         "名称中含逗号时给该字段加双引号", "quote a field that holds a comma"),
    "empty_table": Code(WARNING, "{table}（{alias}）表为空；已忽略", "the {table} ({alias}) sheet is empty; ignored"),
    "empty_table/no_rows": Code(WARNING, "{file} 中的 {table}（{alias}）表只有表头没有数据行：不会产生任何明细；"
                                "请填写，如该表不适用则删除",
                                "the {table} ({alias}) table in {file} has a header but no rows: no lines come from "
                                "it; fill it in, or remove it if the table does not apply",
                                "填写该表，或将其删除", "fill it in, or remove it"),
    "unknown_sheet": Code(WARNING, "工作表 {sheet} 不是以表名命名的（如 firms 或 企业名录），且没有数据行；已忽略",
                          "sheet {sheet} is not named after a table (e.g. firms or 企业名录) and holds no data rows; "
                          "it was ignored", "按表名重命名工作表", "rename the sheet after its table"),
    "unknown_sheet/data": Code(ERROR, "工作表 {sheet} 不是以表名命名的，但其中有数据行；是否应为 {near}（{alias}）？"
                               "请按表名重命名工作表（如 {alias}）；其中的行未使用",
                               "sheet {sheet} is not named after a table and holds data rows; did you mean {near} "
                               "({alias})? Rename the sheet after its table (e.g. {alias}); its rows were not used",
                               "按表名重命名工作表", "rename the sheet after its table"),
    "unknown_sheet/tied": Code(ERROR, "工作表 {sheet} 的名称对应不止一个表（{tables}）：请按其中一个表重命名；"
                               "其中的行未使用",
                               "sheet {sheet} names more than one table ({tables}): rename it after one table; its "
                               "rows were not used", "按一个表名重命名工作表", "rename it after one table"),
    "unknown_sheet/header": Code(ERROR, "工作表 {sheet} 因名称含有表名而被当作 {table}（{alias}），但没有一行表头"
                                 "含有以下列名中的至少 {needed} 个：{names}；请重命名工作表或改正表头；其中的行未使用",
                                 "sheet {sheet} is taken for {table} ({alias}) because its name contains that "
                                 "table's name, but no header row holds at least {needed} of the column names "
                                 "{names}: rename the sheet or correct its header; its rows were not used",
                                 "重命名工作表或改正表头", "rename the sheet or correct its header"),
    "unknown_file": Code(WARNING, "{name} 不是以表名命名的（如 firms.csv 或 企业名录.csv），且没有数据行；已忽略",
                         "{name} is not named after a table (e.g. firms.csv or 企业名录.csv) and holds no data "
                         "rows; it was ignored", "按表名重命名文件", "rename the file after its table"),
    "unknown_file/data": Code(ERROR, "{name} 不是以表名命名的，但其中有数据行；是否应为 {near}（{alias}）？"
                              "请按表名重命名文件（如 {alias}{suffix}）；其中的行未使用",
                              "{name} is not named after a table and holds data rows; did you mean {near} ({alias})? "
                              "Rename the file after its table (e.g. {alias}{suffix}); its rows were not used",
                              "按表名重命名文件", "rename the file after its table"),
    "unknown_file/tied": Code(ERROR, "{name} 的名称对应不止一个表（{tables}）：请按其中一个表重命名文件"
                              "（如 交易.csv）；其中的行未使用",
                              "{name} names more than one table ({tables}): rename the file after one table (e.g. "
                              "交易.csv); its rows were not used", "按一个表名重命名文件", "rename it after one table"),
    "unknown_file/header": Code(ERROR, "{name} 因名称含有 {contained} 而被当作 {table}（{alias}），但没有一行表头"
                                "含有以下列名中的至少 {needed} 个：{names}；请重命名文件或改正表头；其中的行未使用",
                                "{name} is taken for {table} ({alias}) because its name contains {contained}, but no "
                                "header row holds at least {needed} of the column names {names}: rename the file or "
                                "correct its header; its rows were not used",
                                "重命名文件或改正表头", "rename the file or correct its header"),
    "unknown_file/other_type": Code(WARNING, "{name} 不是 .xlsx、.csv 或 .parquet 文件；已忽略",
                                    "{name} is not an .xlsx, .csv or .parquet file; it was ignored"),
    "unknown_file/workbook": Code(WARNING, "{name} 中没有以表名命名的工作表，文件名也不是表名，且没有数据行；已忽略",
                                  "{name} has no sheet or file name naming a table and holds no data rows; it was "
                                  "ignored", "按表名重命名工作表", "rename a sheet after its table"),
    "unknown_file/no_worksheet": Code(WARNING, "{name} 中没有工作表（只有图表等），也没有数据行；已忽略",
                                      "{name} has no worksheet and holds no data rows; it was ignored"),
    "unknown_file/workbook_data": Code(ERROR, "{name} 中有数据行，但工作表名和文件名都不是表名；是否应为 {near}"
                                       "（{alias}）？请按表名重命名各工作表；其中的行未使用",
                                       "{name} holds data rows but neither its sheets nor its name name a table; did "
                                       "you mean {near} ({alias})? Rename each sheet after its table; its rows were "
                                       "not used", "按表名重命名各工作表", "rename each sheet after its table"),
    "unsupported_file": Code(ERROR, "{name} 是 {suffix} 文件，kqcalc 无法读取：请用 Excel 或 WPS 打开并另存为 .xlsx "
                             "工作簿（文件 → 另存为 → Excel 工作簿 *.xlsx）；其中的行未使用",
                             "{name} is an {suffix} file, which kqcalc cannot read: open it in Excel or WPS and save "
                             "it as an .xlsx workbook (文件 → 另存为 → Excel 工作簿 *.xlsx); its rows were not used",
                             "另存为 .xlsx", "save it as .xlsx"),
    "duplicate_file": Code(WARNING, "与 {first} 是同一文件；只读取一次", "the same file as {first}; read once"),
    "duplicate_file/bytes": Code(WARNING, "{name} 与 {first} 逐字节相同（SHA-256 相同）：其中的行只从 {first_name} "
                                 "读取一次；请从输入文件夹中删除其中一个",
                                 "{name} is byte for byte the same file as {first} (same SHA-256): its rows were read "
                                 "once, from {first_name}; remove one of the two from the input folder",
                                 "删除重复的文件", "remove one of the two"),
    "duplicate_file/rows": Code(WARNING, "{file} 与 {first} 的 {table} 行完全相同（{n} 行）：只读取一次；请删除副本",
                                "{file} holds exactly the {table} rows of {first} ({n} rows): read once; remove the "
                                "copy", "删除副本", "remove the copy"),
    "rows_repeated_across_files": Code(
        WARNING, "{file} 中有 {n} 行与 {other} 中的行完全相同；已按原样计入（汇总行可能重复）："
        "如果一个文件抄了另一个，请删除抄来的行",
        "{n} rows of {file} are identical to rows of {other}; they were counted as written (aggregated rows may "
        "repeat): if one file copies the other, remove the copied rows",
        "删除抄来的行", "remove the copied rows"),
    "rows_repeated_across_files/one": Code(
        WARNING, "{file} 中有 {n} 行与 {other} 中的行完全相同；已按原样计入（汇总行可能重复）："
        "如果一个文件抄了另一个，请删除抄来的行",
        "{n} row of {file} is identical to rows of {other}; they were counted as written (aggregated rows may "
        "repeat): if one file copies the other, remove the copied rows",
        "删除抄来的行", "remove the copied rows"),
    "ambiguous_platform": Code(WARNING, "平台 {platform} 不能确定是某个主流 B2B 平台（单写“阿里巴巴”或 alibaba 可能指"
                               "国内站 1688.com），因此店铺 {store} 不计入 1B 项；"
                               "如该店铺在主流平台上，请写明平台全称：{full_names}",
                               "platform {platform} does not name one mainstream B2B platform without doubt (a bare "
                               "阿里巴巴 or alibaba may be the domestic site 1688.com), so store {store} does not "
                               "count for item 1B; if the store is on a mainstream platform, write its full name: "
                               "{full_names}", "写明平台全称", "write the platform's full name"),
    "unknown_category": Code(WARNING, "类别 {category} 不在政策的类别清单中；该记录仍然有效",
                             "category {category} is not in the policy's list; the record still applies"),
    "unknown_country": Code(WARNING, "{country} 既不是 ISO 两位国家代码，也不是“一带一路”国家名称；按不在名单内处理",
                            "{country} is neither an ISO alpha-2 code nor a Belt-and-Road country name; treated as "
                            "not on the list", "使用 ISO 两位代码（如 DE）", "use an ISO alpha-2 code (e.g. DE)"),
    "prior_award_not_earlier": Code(WARNING, "年份 {year} 不早于本期（本期始于 {start_year} 年）；已忽略",
                                    "year {year} is not before the period (which starts in {start_year}); ignored"),
    "period_not_a_year": Code(WARNING, "期间 {start}..{end} 共 {days} 天，不是一整年：门槛和上限按原值适用",
                              "the period {start}..{end} is {days} days, not one year: thresholds and caps apply "
                              "to it as given"),
    # ---- stops: the run cannot go on (an `Error:` line, exit 1; exit 2 for a malformed option)
    "path_not_found": Code(STOP, "路径 {path} 不存在", "path {path} does not exist"),
    "folder_unreadable": Code(STOP, "无法读取文件夹 {path}（{detail}）", "folder {path} cannot be read ({detail})"),
    "file_unreadable": Code(STOP, "无法读取 {file}（{detail}）", "{file} cannot be read ({detail})"),
    "file_empty": Code(STOP, "{file}：文件为空（0 字节）", "{file}: the file is empty (0 bytes)"),
    "no_firms_table": Code(STOP, "在 {where} 中没有找到 firms 表：需要名为 firms 或 企业名录 的工作表或文件"
                           "（如 firms.csv，或工作表“企业名录”）",
                           "no firms table found in {where}: a sheet or file named firms or 企业名录 (e.g. "
                           "firms.csv, or a sheet 企业名录) is required"),
    "firms_table_empty": Code(STOP, "在 {where} 中没有找到 firms 表（{empty} 为空）：需要名为 firms 或 企业名录 的"
                              "工作表或文件，且其中有数据",
                              "no firms table found in {where} ({empty} is empty): a sheet or file named firms or "
                              "企业名录 (e.g. firms.csv, or a sheet 企业名录) is required"),
    "file_not_a_table": Code(STOP, "{file} 的文件名不是表名（可用：{accepted}）",
                             "{file} is not named after a table (accepted: {accepted})"),
    "file_old_format": Code(STOP, "{file}：{name} 是 {suffix} 文件，kqcalc 无法读取：请用 Excel 或 WPS 打开并"
                            "另存为 .xlsx 工作簿（文件 → 另存为 → Excel 工作簿 *.xlsx）",
                            "{file}: {name} is an {suffix} file, which kqcalc cannot read: open it in Excel or WPS "
                            "and save it as an .xlsx workbook (文件 → 另存为 → Excel 工作簿 *.xlsx)"),
    "file_names_several_tables": Code(STOP, "{file}：{name} 的名称对应不止一个表（{tables}）：请按其中一个表"
                                      "重命名文件（如 交易.csv）",
                                      "{file}: {name} names more than one table ({tables}): rename the file after "
                                      "one table (e.g. 交易.csv)"),
    "firms_no_rows": Code(STOP, "{where} 中的 firms 表（企业名录）只有表头没有数据行：所有企业都将不符合条件；"
                          "请填写企业名录（每家企业一行）后重新运行",
                          "the firms table (企业名录) in {where} has a header but no rows: every firm would be "
                          "ineligible; fill in the registry of firms (one row per firm) and run again"),
    "file_unsupported": Code(STOP, "{file} 不是 .xlsx、.csv 或 .parquet 文件", "{file} is not an .xlsx, .csv or "
                             ".parquet file"),
    "workbook_no_table": Code(STOP, "{file} 中没有以表名命名的工作表，文件名也不是表名（可用：{accepted}）",
                              "{file} has no sheet named after a table and its file name names no table "
                              "(accepted: {accepted})"),
    "workbook_no_worksheet": Code(STOP, "{file} 中没有工作表", "{file} has no worksheet"),
    "workbook_cannot_open": Code(STOP, "无法打开 {file}（{detail}）", "{file} cannot be opened ({detail})"),
    "workbook_empty": Code(STOP, "{file} 为空（0 字节）：请重新导出或保存该工作簿",
                           "{file} is empty (0 bytes): export or save the workbook again"),
    "workbook_encrypted": Code(STOP, "{file} 设有密码（加密的工作簿）：请用 Excel 打开，清除密码"
                               "（文件 > 信息 > 保护工作簿 > 用密码进行加密，清空）后重新保存",
                               "{file} is password-protected (an encrypted workbook): open it in Excel, remove the "
                               "password (File > Info > Protect Workbook > Encrypt with Password, clear it) and save "
                               "it again"),
    "workbook_is_xls": Code(STOP, "{file} 是以 .xlsx 命名的旧版 Excel 97-2003（.xls）文件："
                            "请用 Excel 打开并另存为 .xlsx",
                            "{file} is an old Excel 97-2003 (.xls) file under an .xlsx name: open it in Excel and "
                            "save it as .xlsx"),
    "workbook_not_zip": Code(STOP, "{file} 不是有效的 .xlsx 工作簿（文件已损坏或不是 Excel 文件）",
                             "{file} is not a valid .xlsx workbook (the file is damaged or is not an Excel file)"),
    "workbook_no_workbook_part": Code(STOP, "{file} 不是 Excel 工作簿（其中没有 xl/workbook.xml）",
                                      "{file} is not an Excel workbook (no xl/workbook.xml inside)"),
    "workbook_damaged": Code(STOP, "{file} 已损坏，无法作为 .xlsx 工作簿读取（{detail}）：请用 Excel 打开后重新保存",
                             "{file} is damaged and cannot be read as an .xlsx workbook ({detail}): open it in Excel "
                             "and save it again"),
    "workbook_not_xlsx": Code(STOP, "{file} 无法作为 .xlsx 工作簿读取（{detail}）：请用 Excel 打开后重新保存",
                              "{file} cannot be read as an .xlsx workbook ({detail}): open it in Excel and save it "
                              "again"),
    "sheet_not_worksheet": Code(STOP, "{file}：工作表 {sheet} 是 {kind}，不是普通单元格工作表",
                                "{file}: the sheet {sheet} is a {kind}, not a worksheet of cells"),
    "sheet_unreadable": Code(STOP, "{file}：无法读取该工作表（{detail}）",
                             "{file}: the sheet cannot be read ({detail})"),
    "sheet_shape": Code(STOP, "{file}：无法读取该工作表（其中数字与文本的形状不一致）",
                        "{file}: the sheet cannot be read (its numbers and its text disagree in shape)"),
    "csv_damaged_utf8": Code(STOP, "{file}：文件是 UTF-8 文本，但含有无效的 UTF-8 字节（文件已损坏？）："
                             "请另存为 UTF-8 或 GB18030",
                             "{file}: the file is UTF-8 text but holds bytes that are not valid UTF-8 (a damaged "
                             "file?): save it again as UTF-8 or GB18030"),
    "csv_not_text": Code(STOP, "{file}：无法作为文本读取：既不是 UTF-8 也不是 GB18030（GBK）",
                         "{file}: cannot be read as text: it is neither UTF-8 nor GB18030 (GBK)"),
    "not_text": Code(STOP, "{file}：无法作为文本读取（{detail}）", "{file}: cannot be read as text ({detail})"),
    "csv_unreadable": Code(STOP, "{file}：无法作为 CSV 读取（{detail}）", "{file}: cannot be read as CSV ({detail})"),
    "parquet_unreadable": Code(STOP, "{file}：不是可读取的 Parquet 文件（{detail}）",
                               "{file}: not a readable Parquet file ({detail})"),
    "parquet_column_type": Code(STOP, "{file}：列 {name} 中是 {dtype} 类型的值，无法作为单元格文本读取",
                                "{file}: column {name} holds {dtype} values, which cannot be read as cell text"),
    "no_header": Code(STOP, "{table}（{file}）：没有找到表头行：前 {rows} 个非空行中没有一行含有"
                      "以下列名中的至少 {needed} 个：{names}",
                      "{table} ({file}): no header row found: none of the first {rows} non-blank rows holds at least "
                      "{needed} of the column names {names}"),
    "no_header_parquet": Code(STOP, "{table}（{file}）：没有找到表头：列名中没有包含以下列名中的"
                              "至少 {needed} 个：{names}",
                              "{table} ({file}): no header row found: its column names hold at least {needed} of "
                              "the column names {names}"),
    "duplicate_header": Code(STOP, "{table}（{file}）：表头 {first}（{first_at}）和 {second}（{second_at}）都对应列 "
                             "{spellings}；请只保留一个",
                             "{table} ({file}): the headers {first} ({first_at}) and {second} ({second_at}) both "
                             "name the column {spellings}; keep one of them"),
    "missing_columns": Code(STOP, "{table}（{file}）：缺少必需的列 {columns}；找到的表头：{found}",
                            "{table} ({file}): required columns {columns} not found; headers found: {found}"),
    "missing_columns/one": Code(STOP, "{table}（{file}）：缺少必需的列 {columns}；找到的表头：{found}",
                                "{table} ({file}): required column {columns} not found; headers found: {found}"),
    "period_malformed": Code(STOP, "--period {text}：应为 START:END 格式的 ISO 日期，如 2020-07-01:2021-06-30",
                             "--period {text}: expected START:END as ISO dates, e.g. 2020-07-01:2021-06-30"),
    "period_reversed": Code(STOP, "--period {text}：开始日期晚于结束日期",
                            "--period {text}: the start is after the end"),
    "output_locked": Code(STOP, "输出文件夹 {folder} 正被另一个 kqcalc 运行使用（{holder}）；请稍后再试，或加上 "
                          "--wait 秒数",
                          "the output folder {folder} is in use by another kqcalc run ({holder}); try again later, "
                          "or pass --wait SECONDS"),
    "output_locked_waited": Code(STOP, "已等待 {wait} 秒，输出文件夹 {folder} 仍被另一个 kqcalc 运行使用（{holder}）；"
                                 "请稍后再试",
                                 "the output folder {folder} is in use by another kqcalc run ({holder}) after "
                                 "waiting {wait} s; try again later, or pass --wait SECONDS"),
    "run_folder_missing": Code(STOP, "{path}：没有这个运行文件夹", "{path}: no such run folder"),
    "not_a_run": Code(STOP, "{path} 不是 kqcalc 的运行结果：其中没有 results.json（请给出 `kqcalc compute --out` 的输出"
                      "文件夹，或其中的 runs/<id> 文件夹）",
                      "{path} is not a kqcalc run: it has no results.json (name an output folder of `kqcalc compute "
                      "--out`, or one of its runs/<id> folders)"),
    "no_run_found": Code(STOP, "./{root}/ 下没有 kqcalc 运行结果：请先运行 `kqcalc compute`，"
                         "或用 --run 目录 指定运行文件夹",
                         "no kqcalc run found under ./{root}/: run `kqcalc compute` first, or name a run folder with "
                         "--run DIR"),
    "run_file_unreadable": Code(STOP, "无法读取 {file}（{detail}）；请重新运行 `kqcalc compute`",
                                "{file} cannot be read ({detail}); rerun `kqcalc compute`"),
    "run_old_format": Code(STOP, "{file} 由旧版 kqcalc 写成（results_version {version}），无法读取；请重新运行 "
                           "`kqcalc compute`",
                           "{file} was written by an older kqcalc (results_version {version}) and cannot be read; "
                           "rerun `kqcalc compute`"),
    "line_value_not_held": Code(STOP, "企业 {firm_id} 第 {item} 项：计量或金额 {value} 超出可精确计算的范围"
                                "（0 至 10^18 以下）",
                                "firm {firm_id}, item {item}: a measure or amount {value} is outside the range "
                                "computed exactly (0 to below 10^18)"),
    "sum_not_held": Code(STOP, "表 {table} 企业 {firm_id} 的 {column} 合计 {value} 超出可精确计算的范围"
                         "（0 至 10^18 以下）",
                         "table {table}, firm {firm_id}: the sum of {column}, {value}, is outside the range computed "
                         "exactly (0 to below 10^18)"),
    "run_incomplete": Code(STOP, "{folder} 不是完整的 kqcalc 运行结果：缺少 {name}",
                           "{folder} is not a complete kqcalc run: {name} is missing"),
    "policy_not_found": Code(STOP, "找不到政策 {spec}：请给出内置政策编号（{default}）或 TOML 文件路径",
                             "policy {spec} not found: give a built-in policy id ({default}) or the path of a TOML "
                             "file"),
    "policy_unreadable": Code(STOP, "政策文件 {file}：无法读取（{detail}）",
                              "policy file {file}: cannot be read ({detail})"),
    "policy_not_utf8": Code(STOP, "政策文件 {file}：不是 UTF-8 文本（偏移 {offset} 处的字节 {byte}）；请另存为 UTF-8",
                            "policy file {file}: not UTF-8 text (byte {byte} at offset {offset}); save it as UTF-8"),
    # ---- whatif --set (policy/overrides.py)
    "set_malformed": Code(STOP, "--set {text}：应写成 KEY=VALUE，例如 --set items.3A.rmb_per_usd=0.02",
                          "--set {text}: expected KEY=VALUE, e.g. --set items.3A.rmb_per_usd=0.02"),
    "set_bad_key": Code(STOP, "--set {text}：{key} 不是键：请用点连接政策文件的键，列表项写从 0 起的序号"
                              "（items.2.tiers.0.amount_rmb）",
                        "--set {text}: {key} is not a key: write the policy file's keys joined by dots, list entries "
                        "by their index from 0 (items.2.tiers.0.amount_rmb)"),
    "set_unknown_key": Code(STOP, "{file}：--set {text}：{key} 不是政策中的键（此处的键：{keys}）",
                            "{file}: --set {text}: {key} is not a key of the policy (keys here: {keys})"),
    "set_kind": Code(STOP, "{file}：--set {text}：{key} 在政策中是 {kind}（表换表、列表换列表、单个值换单个值），"
                           "新值 {value} 不是",
                     "{file}: --set {text}: {key} is {kind} in the policy, so the new value must be {kind} too, got "
                     "{value}"),
    "set_not_index": Code(STOP, "{file}：--set {text}：{key}：{parent} 是列表，请给出从 0 起的序号",
                          "{file}: --set {text}: {key}: {parent} is a list; give an index from 0"),
    "set_index_range": Code(STOP, "{file}：--set {text}：{key}：该列表有 {n} 项（序号 0 至 {last}；写 {n} 则追加一项）",
                            "{file}: --set {text}: {key}: the list has {n} entries (indexes 0 to {last}; {n} appends "
                            "one)"),
    "set_not_container": Code(STOP, "{file}：--set {text}：{parent} 是单个值，不是表或列表，所以没有 {key}",
                              "{file}: --set {text}: {parent} is a value, not a table or list, so {key} does not "
                              "exist"),
    "policy_not_toml": Code(STOP, "政策文件 {file}：不是有效的 TOML：{detail}",
                            "policy file {file}: not valid TOML: {detail}"),
    "policy_invalid/missing": Code(STOP, "政策文件 {file}：缺少 {key}", "policy file {file}: {key} is missing"),
    "policy_invalid/not_table": Code(STOP, "政策文件 {file}：{key} 必须是表（[{key}]），而不是 {value}",
                                     "policy file {file}: {key} must be a table ([{key}]), got {value}"),
    "policy_invalid/not_text": Code(STOP, "政策文件 {file}：{key} 必须是非空字符串，而不是 {value}",
                                    "policy file {file}: {key} must be a non-empty string, got {value}"),
    "policy_invalid/not_string": Code(STOP, "政策文件 {file}：{key} 必须是字符串，而不是 {value}",
                                      "policy file {file}: {key} must be a string, got {value}"),
    "policy_invalid/not_list": Code(STOP, "政策文件 {file}：{key} 必须是列表，而不是 {value}",
                                    "policy file {file}: {key} must be a list, got {value}"),
    "policy_invalid/not_strings": Code(STOP, "政策文件 {file}：{key} 必须是字符串列表，而不是 {value}",
                                       "policy file {file}: {key} must be a list of strings, got {value}"),
    "policy_invalid/not_tables": Code(STOP, "政策文件 {file}：{key} 必须是表的列表（[[general.texts]]）",
                                      "policy file {file}: {key} must be a list of tables ([[general.texts]])"),
    "policy_invalid/empty": Code(STOP, "政策文件 {file}：{key} 不能为空",
                                 "policy file {file}: {key} must not be empty"),
    "policy_invalid/not_date": Code(STOP, "政策文件 {file}：{key} 必须是写成 YYYY-MM-DD 的日期（不加引号，不带时间），"
                                    "而不是 {value}",
                                    "policy file {file}: {key} must be a date written YYYY-MM-DD (no quotes, no "
                                    "time), got {value}"),
    "policy_invalid/dates_reversed": Code(STOP, "政策文件 {file}：{key}（{start}）晚于 policy.valid_to（{end}）",
                                          "policy file {file}: {key} ({start}) is after policy.valid_to ({end})"),
    "policy_invalid/choice": Code(STOP, "政策文件 {file}：{key} 必须是 {choices} 之一，而不是 {value}",
                                  "policy file {file}: {key} must be one of {choices}, got {value}"),
    "policy_invalid/not_inline_table": Code(STOP, "政策文件 {file}：{key} 必须是内联表，而不是 {value}",
                                            "policy file {file}: {key} must be an inline table, got {value}"),
    "policy_invalid/not_item": Code(STOP, "政策文件 {file}：{key} = {value} 不是项目代码（{items}）",
                                    "policy file {file}: {key} = {value} is not an item code ({items})"),
    "policy_invalid/item_twice": Code(STOP, "政策文件 {file}：{key} 重复列出项目 {item}",
                                      "policy file {file}: {key} lists item {item} twice"),
    "policy_invalid/used_twice": Code(STOP, "政策文件 {file}：{key} 中的 {value} 用了两次",
                                      "policy file {file}: {key} {value} is used twice"),
    "policy_invalid/spelling_twice": Code(STOP, "政策文件 {file}：{key} 的写法 {spelling} 同时指平台 {other}",
                                          "policy file {file}: {key} spelling {spelling} also names platform "
                                          "{other}"),
    "policy_invalid/not_country_code": Code(STOP, "政策文件 {file}：{key} 必须是两位 ISO 3166 代码（如 \"KR\"），"
                                            "而不是 {value}",
                                            "policy file {file}: {key} must be a two-letter ISO 3166 code such as "
                                            "\"KR\", got {value}"),
    "policy_invalid/listed_twice": Code(STOP, "政策文件 {file}：{key} 中的 {value} 重复列出（另见 {other}）",
                                        "policy file {file}: {key} {value} is listed twice (also {other})"),
    "policy_invalid/negative": Code(STOP, "政策文件 {file}：{key} = {value} 不能为负数",
                                    "policy file {file}: {key} = {value} must not be negative"),
    "policy_invalid/not_positive": Code(STOP, "政策文件 {file}：{key} 必须为正数（大于 0）",
                                        "policy file {file}: {key} must be positive (greater than 0)"),
    "policy_invalid/share": Code(STOP, "政策文件 {file}：{key} = {value} 是比例：请写 0 到 1 之间的数"
                                 "（如 5% 写 \"0.05\"）",
                                 "policy file {file}: {key} = {value} is a share: write it between 0 and 1 (e.g. "
                                 "\"0.05\" for 5 %)"),
    "policy_invalid/tiers_overlap": Code(STOP, "政策文件 {file}：{key} = {high} 不高于 {below} = {low}：档次须由低到高"
                                         "排列，每档的门槛和金额都严格高于前一档，互不重叠",
                                         "policy file {file}: {key} = {high} is not above {below} = {low}: list "
                                         "tiers lowest first, each threshold and amount strictly higher than the one "
                                         "before, so no two tiers overlap"),
    "policy_not_a_number_string": Code(STOP, "政策文件 {file}：{key} 必须是写成字符串的数字（如 \"0.03\"）或整数，"
                                       "而不是 {value}",
                                       "policy file {file}: {key} must be a number written as a string (e.g. "
                                       "\"0.03\") or a whole number, got {value}"),
    "policy_not_a_number": Code(STOP, "政策文件 {file}：{key} = {value} 不是数字",
                                "policy file {file}: {key} = {value} is not a number"),
    "policy_not_finite": Code(STOP, "政策文件 {file}：{key} = {value} 不是有限的数",
                              "policy file {file}: {key} = {value} is not a finite number"),
    "policy_not_whole": Code(STOP, "政策文件 {file}：{key} 必须是整数（不加引号），而不是 {value}",
                             "policy file {file}: {key} must be a whole number (no quotes), got {value}"),
    "policy_key_missing": Code(STOP, "政策缺少参数 {key}", "policy key {key} is missing"),
    "option_too_large": Code(STOP, "{option} 最多为 {most}", "{option}: at most {most}"),
    "option_too_small": Code(STOP, "{option} 至少为 {least}", "{option} must be at least {least}"),
    "option_choice": Code(STOP, "{option} 必须是 {choices} 之一，而不是 {value}",
                          "{option} must be one of {choices}, not {value}"),
    "output_unusable": Code(STOP, "无法使用输出文件夹 {folder}：{detail}",
                            "cannot use the output folder {folder}: {detail}"),
    "cannot_replace": Code(STOP, "无法替换 {path}：{detail}（请删除后重新运行）",
                           "cannot replace {path}: {detail} (remove it and run again)"),
    "policy_invalid/ambiguous_and_platform": Code(
        STOP, "政策文件 {file}：{key} {spelling} 同时是 {platforms} 中平台 {platform} 的写法："
        "一种写法要么确指一个平台，要么有歧义，不能两者兼是",
        "policy file {file}: {key} {spelling} is also a spelling of platform {platform} in {platforms}: a spelling "
        "either names one platform without doubt or is ambiguous, not both"),
    "export_not_toml": Code(STOP, "{path}：政策文件须以 .toml 结尾（如 {example}）",
                            "{path}: a policy file must be named *.toml (e.g. {example})"),
    "export_is_folder": Code(STOP, "无法写入 {path}：这是一个文件夹", "cannot write {path}: it is a folder"),
    "export_exists": Code(STOP, "{path} 已存在：如要覆盖请加 --force",
                          "{path} already exists: pass --force to overwrite it"),
    "export_cannot_write": Code(STOP, "无法写入 {path}：{detail}", "cannot write {path}: {detail}"),
    "out_missing": Code(STOP, "{out}：没有这个输出文件夹", "{out}: no such output folder"),
    "out_not_output": Code(STOP, "{out} 不是 `kqcalc compute --out` 的输出文件夹（其中没有 {current} 运行）；"
                           "要比较两次运行，请同时给出两者：kqcalc diff RUN_A RUN_B",
                           "{out} is not an output folder of `kqcalc compute --out` (it has no {current} run); to "
                           "compare two runs, name both: kqcalc diff RUN_A RUN_B"),
    "out_one_run": Code(STOP, "{out} 只有一次运行（{run}）：没有可比较的上一次运行（下次向 {out} 运行 compute 时，"
                        "这次会保留为 {previous}）",
                        "{out} holds one run only ({run}): there is no previous run to compare it with (the next "
                        "compute into {out} keeps this one as {previous})"),
    "unexpected_error": Code(STOP, "意外错误：{kind}: {detail}", "unexpected error: {kind}: {detail}"),
    "unexpected_error/escaped": Code(STOP, "意外错误：{kind}: {detail}（加 --debug 重新运行可查看详情）",
                                     "unexpected error: {kind}: {detail} (run again with --debug for details)"),
}


def message(code: str, lang: str, args: dict[str, str]) -> str:
    """The message of a code in a language, its placeholders filled from args."""
    entry = CODES[code]
    lang = lang_of(lang)
    values = dict(args)
    if "more" in values:
        more = int(values["more"] or 0)
        values["more"] = "" if more <= 0 else (f"等，另有 {more} 处" if lang == "zh" else f" and {more} more")
    if "outcome" in values:
        zh, en = OUTCOMES[values["outcome"]]
        values["outcome"] = zh if lang == "zh" else en
    return entry.template(lang).format_map(values)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
