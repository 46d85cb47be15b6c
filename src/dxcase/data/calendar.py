"""Japanese business calendar: public holidays, customary breaks and paydays."""

from __future__ import annotations

import datetime as dt

import jpholiday
import numpy as np
import pandas as pd

# English names for the public holidays jpholiday knows (its names are Japanese).
HOLIDAY_EN = {
    "元日": "New Year's Day",
    "成人の日": "Coming of Age Day",
    "建国記念の日": "National Foundation Day",
    "天皇誕生日": "Emperor's Birthday",
    "春分の日": "Vernal Equinox Day",
    "昭和の日": "Showa Day",
    "憲法記念日": "Constitution Day",
    "みどりの日": "Greenery Day",
    "こどもの日": "Children's Day",
    "海の日": "Marine Day",
    "山の日": "Mountain Day",
    "敬老の日": "Respect for the Aged Day",
    "秋分の日": "Autumnal Equinox Day",
    "スポーツの日": "Sports Day",
    "文化の日": "Culture Day",
    "勤労感謝の日": "Labor Thanksgiving Day",
    "国民の休日": "Citizens' Holiday",
}

EVENTS = {"gw": "ゴールデンウィーク", "obon": "お盆", "new_year": "年末年始"}


def holiday_name(day: dt.date) -> str | None:
    """The Japanese public holiday on ``day`` (substitute holidays included), or None."""
    return jpholiday.is_holiday_name(day)


def holiday_name_en(name_ja: str | None) -> str | None:
    if name_ja is None:
        return None
    if name_ja.endswith("振替休日"):
        return "Substitute Holiday"
    return HOLIDAY_EN.get(name_ja, name_ja)


def event_of(day: dt.date) -> str | None:
    """Customary break a date falls in: Golden Week, Obon, or the New Year break."""
    if (day.month, day.day) >= (4, 29) and (day.month, day.day) <= (5, 6):
        return "gw"
    if day.month == 8 and 13 <= day.day <= 16:
        return "obon"
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return "new_year"
    return None


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and holiday_name(day) is None


def payday_of_month(year: int, month: int) -> dt.date:
    """The 25th, or the business day before it when the 25th is a weekend or holiday."""
    day = dt.date(year, month, 25)
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def calendar_frame(start: dt.date, days: int) -> pd.DataFrame:
    """One row per day: weekday, holiday (ja/en), customary event and payday flag."""
    dates = pd.date_range(start, periods=days, freq="D")
    paydays = {payday_of_month(d.year, d.month) for d in dates}
    names = [holiday_name(d.date()) for d in dates]
    return pd.DataFrame(
        {
            "date": dates,
            "weekday": dates.day_of_week.astype("int64"),
            "holiday_name": pd.array(names, dtype="string"),
            "holiday_name_en": pd.array([holiday_name_en(n) for n in names], dtype="string"),
            "event": pd.array([event_of(d.date()) for d in dates], dtype="string"),
            "is_payday": np.array([d.date() in paydays for d in dates]),
        }
    )
