"""Find personal data left in text: names, e-mail addresses, phone numbers, addresses.

The scanner is rule based (regular expressions plus small built-in word lists) and covers
Japanese and English business text. Text is folded first (full-width digits and letters to
half-width, Unicode dashes to ``-``) so ``０９０－１２３４－５６７８`` is found like
``090-1234-5678``; spans are reported in the original text.

It finds likely personal data, not all of it: :func:`evaluate_scanner` measures recall and
precision on a labelled fixture (``tests/fixtures/pii_snippets.yaml``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

CATEGORIES = ("name", "email", "phone", "address", "postal_code")
PLACEHOLDERS = {
    "name": "[NAME]",
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "postal_code": "[POSTAL]",
}
# when spans overlap, the more specific category wins
_PRIORITY = {"email": 0, "postal_code": 1, "phone": 2, "address": 3, "name": 4}


@dataclass(frozen=True)
class Finding:
    """One span of ``text[start:end]`` that looks like personal data of ``category``."""

    category: str
    start: int
    end: int


# --- folding ---------------------------------------------------------------------------------

_DASHES = "‐‑‒–—―−－"


def _fold(text: str) -> str:
    """Fold full-width forms per character (so offsets stay aligned with ``text``).

    The katakana long-vowel mark ``ー`` becomes ``-`` only between digits (``090ー1234``).
    """
    out = [unicodedata.normalize("NFKC", ch) for ch in text]
    out = [f if len(f) == 1 else ch for f, ch in zip(out, text, strict=True)]
    for i, ch in enumerate(text):
        between_digits = 0 < i < len(text) - 1 and out[i - 1].isdigit() and out[i + 1].isdigit()
        if ch in _DASHES or (ch == "ー" and between_digits):
            out[i] = "-"
    return "".join(out)


# --- word lists ------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


KANJI = r"[\u4e00-\u9fff々〆]"
HIRA = r"[\u3041-\u309f]"
KATA = r"[\u30a1-\u30faー・]"

JP_SURNAMES = _words("""
佐藤 鈴木 高橋 田中 伊藤 渡辺 渡部 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤
斉藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上
遠藤 青木 坂本 斉木 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村
中山 和田 石田 森田 上田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 大野 高田
丸山 今井 河野 藤本 村田 武田 上野 杉山 増田 平野 大塚 千葉 久保 松井 小島 岩崎 桜井 野口 松尾
野村 木下 菊地 佐野 大西 杉本 新井 浅野 市川 菅原 北村 平田 小山 吉川 松岡 本田 西田 服部 川口
五十嵐 岩田 中田 水野 東 山内 小松 安田 川村 堀 関 石原 吉村 荒木 大橋 永井 飯田 星野 望月 岡崎
""")
# kanji that often end a Japanese given name (太郎, 美咲, 健太, 由美子 ...)
_GIVEN_END = set(
    "郎子美太介也樹恵香奈彦夫雄男輔助平吾一司人斗翔花菜代江枝乃穂希咲華葉紀里実真亮翼蔵造吉史"
    "志治次弘博明昭浩正誠茂清進隆豊優勇和裕健康蓮陽悠彩愛結由佳絵織衣沙梨莉哉己成輝光剛聡慎"
    "仁徹武淳潤修純敦篤稔勝昇晃登望洋海空奏湊蒼陸颯悟智俊秀英宏啓功晴理礼涼凛瞳泉舞綾歩恭薫忍栞"
)
_HONORIFIC = r"(?:様|さま|さん|氏|殿|くん|君|ちゃん)"
_TITLE_JA = r"(?:部長|課長|係長|社長|店長|主任|先生|専務|常務|会長|教授|医師|監督)"
# words before an honorific or after a surname that are roles, companies or places, not people
_NOT_NAME_END = re.compile(
    r"(?:者|客|長|員|様|手|師|士|屋|店|社|方|係|家|位|殿|同|仕|模|多|異|皆|奥|神|王|諸|両|各|赤|母|父|"
    r"商事|製作所|工業|商店|産業|物産|建設|電機|電気|工場|病院|銀行|組合|協会|事務所|会|部|課|局|"
    r"センター|ワン|ネコ|ワンコ)$"
)
_NOT_GIVEN = re.compile(
    r"^(?:製|商|工|産|物|建|電|技|興|銀|病|会|社|店|部|課|局|県|府|都|道|市|区|町|村|郡|駅|線|様|"
    r"大学|学校|高校|先生|部長|課長)"
)
_COMPANY = re.compile(
    r"会社|商事|製作|工業|商店|産業|物産|建設|電機|銀行|病院|組合|協会|事務所|\(株\)|\(有\)|㈱|㈲"
)
_NAME_LABEL = r"(?:氏名|お名前|名前|担当者?|契約者|申込者|依頼者|受取人|宛名|点検者|回答者|作業者)"

EN_GIVEN = _words("""
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew
Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward
Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin
Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan
Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean
Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan
Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell Bradley Philip Eugene
Chris Tom Mike Dave Jim Bob Bill Steve Tony Matt Dan Ben Sam Alex Nick Ken Liam Oliver Lucas
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra
Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy
Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha
Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie
Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan
Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances
Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie
Theresa Diana Brittany Doris Kayla Alexis Lori Marie Kate Jane Sue Liz Beth Ava Mia Chloe
Taro Hanako Ichiro Jiro Kenji Kenta Hiroshi Takashi Takeshi Satoshi Yuki Yuko Yumi Akiko Keiko
Naoko Tomoko Haruto Sota Yuto Hina Yui Aoi Sakura Daisuke Shota Kazuki Naoki Ryo Kaito Misaki
""")
_EN_SURNAME_STOP = _words("""
Street St Avenue Ave Road Rd Boulevard Blvd Lane Drive Way Place Hall Building Center Centre
Library School University Park Bridge Award Foundation Institute Museum Stadium Airport Store
Inc Ltd Corp Co Company Group Bank Hotel Hospital Station Office The And
""")
_EN_TITLE_STOP = _words("Pepper Donut Clean Martens Scholl Scholl's Potato")

_CODE_CONTEXT = re.compile(
    r"(?:品番|型番|部品|注文番号|伝票番号|送り状|追跡番号|ロット|バーコード|JAN|SKU|Part|Order|Invoice|"
    r"Serial|Tracking|Lot|Model|ID|PIN|No\.|#)\s*(?:番号|number|no\.?|code|コード)?\s*[:：#]?\s*$",
    re.IGNORECASE,
)
_PHONE_CONTEXT = re.compile(r"(?:TEL|電話|携帯|FAX|連絡先|phone|call|mobile|fax)", re.IGNORECASE)

# --- patterns --------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)

_SEP = r"[\s-]?"
_W = "[0-9A-Za-z]"  # ASCII word characters: Japanese text may touch a number directly
_PHONE_PATTERNS = (
    # Japanese: 03-1234-5678, (03)1234-5678, 090 1234 5678, 0120-123-456, 08012345678
    re.compile(
        rf"(?<!{_W}|-)(?:\(0\d{{1,4}}\)|0\d{{1,4}}){_SEP}(?:\(\d{{1,4}}\)|\d{{1,4}}){_SEP}"
        rf"\d{{3,4}}(?!{_W}|-)"
    ),
    # +81 3 1234 5678, +81-90-1111-2222, +44 20 7946 0958, +1 212-555-0147
    re.compile(rf"(?<!{_W}|\+)\+\d{{1,3}}(?:[\s.-]?\(?\d{{1,4}}\)?){{2,5}}(?!{_W}|-)"),
    # North American: (555) 123-4567, 555.867.5309, 1-800-555-0199
    re.compile(
        rf"(?<!{_W}|-)(?:1[\s.-])?(?:\(\d{{3}}\)\s?|\d{{3}}[\s.-])\d{{3}}[\s.-]\d{{4}}(?!{_W}|-)"
    ),
)

_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|"
    "神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|"
    "大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|"
    "福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_CITY = rf"(?:{KANJI}|{HIRA}|{KATA}){{1,6}}?(?:市|区|郡|町|村)"
_BLOCK = rf"(?:{KANJI}|{HIRA}|{KATA}|[0-9-]|丁目|番地?|号)*"
_NUMBERED = r"\d+(?:丁目|番地?|号|条|-\d+)"
_ADDRESS_PATTERNS = (
    re.compile(rf"(?:{_PREFECTURES})(?:{_CITY}){{1,3}}{_BLOCK}"),
    re.compile(
        rf"{KANJI}{{1,5}}(?:市|区|町|村)(?:{KANJI}|{HIRA}|{KATA}){{0,8}}?{_NUMBERED}{_BLOCK}"
    ),
    re.compile(
        r"(?<![\w.])\d{1,6}\s+(?:[A-Z][A-Za-z'-]+\.?\s+){1,3}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
        r"Parkway|Pkwy|Terrace|Highway|Hwy|Square|Sq)\b\.?"
    ),
    re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+", re.IGNORECASE),
    re.compile(r"\b[A-Z][a-z]+,\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),
)
_POSTAL_PATTERNS = (
    re.compile(r"〒\s*\d{3}-?\d{4}(?!\d)"),
    re.compile(r"(?i)(?:郵便番号|postal code|zip code)[\s:：は]*(?P<v>\d{3}-?\d{4})(?!\d)"),
    re.compile(rf"(?<!{_W}|-)\d{{3}}-\d{{4}}(?=\s*(?:{_PREFECTURES}))"),
)

_JA_HONORIFIC = re.compile(
    rf"(?P<name>(?:{KANJI}{{1,4}}[ 　]?{KANJI}{{1,3}}|{KANJI}{{1,5}}|{KATA}{{2,12}}|{HIRA}{{2,4}}|"
    rf"[A-Z][a-z]+(?: [A-Z][a-z]+)?))[ 　]?"
    rf"(?:様(?![々子式相態])|さま|さん|氏(?![名族])|殿(?![堂場下])|くん|君|ちゃん)"
)
_JA_TITLED = re.compile(rf"(?P<name>{KANJI}{{1,4}})(?={_TITLE_JA})")
_JA_LABELLED = re.compile(
    rf"{_NAME_LABEL}[\s:：]*(?P<name>{KANJI}{{1,4}}(?:[ 　]?(?:{KANJI}{{1,3}}|{HIRA}{{2,4}}))?)"
)
_JA_GIVEN = re.compile(rf"(?P<sp>[ 　]?)(?P<given>{KANJI}{{1,3}}|{HIRA}{{2,4}}|{KATA}{{2,5}})")
_EN_TITLED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+(?:and\s+(?:Mr|Mrs|Ms)\.?\s+)?"
    r"(?P<name>[A-Z][a-z]+\s+)?(?P<last>(?:O'|Mc|Mac)?[A-Z][A-Za-z-]+)"
)
_EN_FULL = re.compile(  # a lookahead, so "Customer John Smith" can match at "John"
    r"\b(?P<first>[A-Z][a-z]+)(?=\s+(?P<last>(?:O'|Mc|Mac)?[A-Z][a-z][A-Za-z-]*))"
)
_EN_CUED = re.compile(
    r"\b(?:[Aa]sk(?: for)?|[Cc]ontact|[Cc]all|[Tt]ell|[Tt]hanks?|[Dd]ear|Hi|Hello|[Pp]er)\s+"
    r"(?P<first>[A-Z][a-z]+)\b"
)


# --- rules -----------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _valid_phone(span: str) -> bool:
    digits = _digits(span)
    if span.startswith("+"):
        if digits.startswith("81"):
            return len(digits) in (11, 12)
        return 8 <= len(digits) <= 15
    if digits.startswith("0"):
        if re.match(r"0[5789]0", digits):
            return len(digits) == 11
        return len(digits) == 10
    return len(digits) in (10, 11)  # North American, with or without leading 1


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for pattern in _PHONE_PATTERNS:
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 24) : m.start()]
            if not _valid_phone(m.group()):
                continue
            if _CODE_CONTEXT.search(before) and not _PHONE_CONTEXT.search(before):
                continue
            yield m.start(), m.end()


def _given_name_end(text: str, pos: int) -> int | None:
    """End of a plausible given name right after a surname ending at ``pos``, else None."""
    m = _JA_GIVEN.match(text, pos)
    if m is None:
        return None
    given, spaced = m.group("given"), bool(m.group("sp"))
    if _NOT_GIVEN.match(given):
        return None
    if re.fullmatch(f"{HIRA}+", given):
        particle = re.match(r"(?:さん|さま|くん|ちゃん|[がのはをにともへでやか])", given)
        return None if particle else m.end()
    if re.fullmatch(f"{KATA}+", given):
        return m.end() if spaced else None
    for length in range(len(given), 0, -1):
        if given[length - 1] in _GIVEN_END and (length >= 2 or spaced):
            return m.start("given") + length
    return None


def _ja_names(text: str) -> Iterator[tuple[int, int]]:
    for m in _JA_HONORIFIC.finditer(text):
        name = m.group("name").replace(" ", "").replace("　", "")
        before = text[m.start() - 1] if m.start() else " "
        if (
            before in "おご"
            or _NOT_NAME_END.search(name)
            or _COMPANY.search(name)
            or name in {"みな", "あか", "みなさ"}
        ):
            continue
        if re.fullmatch(f"{HIRA}+", name) and before and re.match(HIRA, before):
            continue  # a hiragana word inside a sentence, not a name
        yield m.start("name"), m.end()
    for m in _JA_TITLED.finditer(text):
        if any(m.group("name").endswith(s) for s in JP_SURNAMES):
            yield m.start("name"), m.end("name")
    for m in _JA_LABELLED.finditer(text):
        if not (_NOT_NAME_END.search(m.group("name")) or _COMPANY.search(m.group("name"))):
            yield m.start("name"), m.end("name")
    for start in range(len(text)):
        for length in (3, 2, 1):
            surname = text[start : start + length]
            if surname not in JP_SURNAMES or (start and re.match(KANJI, text[start - 1])):
                continue
            end = _given_name_end(text, start + length)
            if end is not None:
                yield start, end
            break


def _en_names(text: str) -> Iterator[tuple[int, int]]:
    for m in _EN_TITLED.finditer(text):
        if m.group("last") not in _EN_TITLE_STOP:
            yield m.start(), m.end()
    for m in _EN_FULL.finditer(text):
        if m.group("first") in EN_GIVEN and m.group("last") not in _EN_SURNAME_STOP:
            after = re.match(r"\s+([A-Z][a-z]+)", text[m.end("last") :])
            if after is None or after.group(1) not in _EN_SURNAME_STOP:
                yield m.start(), m.end("last")
    for m in _EN_CUED.finditer(text):
        if m.group("first") in EN_GIVEN:
            yield m.start("first"), m.end("first")


def _regex_spans(patterns: Iterable[re.Pattern[str]]) -> Callable[[str], Iterator[tuple[int, int]]]:
    def spans(text: str) -> Iterator[tuple[int, int]]:
        for pattern in patterns:
            for m in pattern.finditer(text):
                group = "v" if "v" in pattern.groupindex else 0
                yield m.start(group), m.end(group)

    return spans


_RULES: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    "email": _regex_spans([_EMAIL]),
    "postal_code": _regex_spans(_POSTAL_PATTERNS),
    "phone": _phones,
    "address": _regex_spans(_ADDRESS_PATTERNS),
    "name": lambda text: [*_ja_names(text), *_en_names(text)],
}


def _merge_same_category(findings: list[Finding]) -> list[Finding]:
    """Union overlapping or touching spans of one category (``加藤まゆみ`` + ``まゆみさん``)."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.category, f.start, -f.end)):
        last = merged[-1] if merged else None
        if last and last.category == f.category and f.start < last.end:
            merged[-1] = Finding(f.category, last.start, max(last.end, f.end))
        else:
            merged.append(f)
    return merged


def scan(text: str) -> list[Finding]:
    """Non-overlapping findings in ``text``, in order; the more specific category wins."""
    folded = _fold(text)
    candidates = [
        Finding(category, start, end)
        for category, rule in _RULES.items()
        for start, end in rule(folded)
        if end > start
    ]
    candidates = _merge_same_category(candidates)
    candidates.sort(key=lambda f: (_PRIORITY[f.category], f.start, f.start - f.end))
    chosen: list[Finding] = []
    for f in candidates:
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with each finding replaced by its placeholder, e.g. ``[PHONE]``."""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out += [text[pos : f.start], PLACEHOLDERS[f.category]]
        pos = f.end
    return "".join([*out, text[pos:]])


def excerpt(text: str, finding: Finding, findings: Iterable[Finding], width: int = 16) -> str:
    """Context around ``finding`` with every finding in it masked: never the original value."""
    lo, hi = max(0, finding.start - width), min(len(text), finding.end + width)
    inside = [f for f in findings if f.end > lo and f.start < hi]
    lo = min([lo, *(f.start for f in inside)])
    hi = max([hi, *(f.end for f in inside)])
    shifted = [Finding(f.category, f.start - lo, f.end - lo) for f in inside]
    body = redact(text[lo:hi], shifted).replace("\n", " ")
    return ("…" if lo else "") + body + ("…" if hi < len(text) else "")


def evaluate_scanner(fixture: list[dict[str, object]]) -> dict[str, object]:
    """Recall and precision per (snippet, category) on a labelled fixture.

    Each item has ``text`` and ``expect`` (a list of categories). A labelled category the
    scanner finds in the snippet is a hit; a found category that is not labelled is a false
    alarm. Returns totals, recall, precision, per-category counts and the misses.
    """
    hits = missed = false = 0
    per_category = {c: {"hits": 0, "missed": 0, "false": 0} for c in CATEGORIES}
    errors: list[dict[str, object]] = []
    for item in fixture:
        expected = set(item["expect"])  # type: ignore[call-overload]
        found = {f.category for f in scan(str(item["text"]))}
        for c in expected | found:
            key = "hits" if c in expected and c in found else "missed" if c in expected else "false"
            per_category[c][key] += 1
        hits += len(expected & found)
        missed += len(expected - found)
        false += len(found - expected)
        if expected != found:
            errors.append(
                {
                    "id": item.get("id"),
                    "missed": sorted(expected - found),
                    "false": sorted(found - expected),
                }
            )
    return {
        "snippets": len(fixture),
        "hits": hits,
        "missed": missed,
        "false_alarms": false,
        "recall": hits / (hits + missed) if hits + missed else 1.0,
        "precision": hits / (hits + false) if hits + false else 1.0,
        "per_category": per_category,
        "errors": errors,
    }
