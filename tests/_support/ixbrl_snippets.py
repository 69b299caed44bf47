"""Small handcrafted inline XBRL / XBRL documents for parser and mapping tests."""

from __future__ import annotations

IX_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"
 xmlns:ixt="http://www.xbrl.org/inlineXBRL/transformation/2020-02-12"
 xmlns:ixt-sec="http://www.sec.gov/inlineXBRL/transformation/2015-08-31"
 xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:xbrldi="http://xbrl.org/2006/xbrldi"
 xmlns:iso4217="http://www.xbrl.org/2003/iso4217" xmlns:usgaap="http://fasb.org/us-gaap/2024"
 xmlns:srt="http://fasb.org/srt/2024" xmlns:dei="http://xbrl.sec.gov/dei/2024" xmlns:acme="http://acme.example/2024"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><head><title>t</title></head><body>
<div style="display:none"><ix:header><ix:hidden>
<ix:nonNumeric name="dei:DocumentType" contextRef="d">{form}</ix:nonNumeric>
<ix:nonNumeric name="dei:EntityCentralIndexKey" contextRef="d">0000000042</ix:nonNumeric>
<ix:nonNumeric name="dei:CurrentFiscalYearEndDate" contextRef="d" format="ixt:date-month-day">12/31</ix:nonNumeric>
{hidden}
</ix:hidden><ix:resources>
<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
<xbrli:unit id="pure"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>
<xbrli:context id="d"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0000000042</xbrli:identifier></xbrli:entity>
<xbrli:period><xbrli:startDate>{d_start}</xbrli:startDate><xbrli:endDate>{d_end}</xbrli:endDate></xbrli:period></xbrli:context>
{contexts}
</ix:resources></ix:header></div>
{body}
</body></html>"""


def context(cid: str, start: str | None, end: str, dims: dict[str, str] | None = None, typed: bool = False) -> str:
    """An xbrli:context: a duration (start..end) or an instant (start None)."""
    seg = ""
    if dims:
        if typed:
            members = "".join(
                f'<xbrldi:typedMember dimension="{a}"><acme:d>{m}</acme:d></xbrldi:typedMember>'
                for a, m in dims.items()
            )
        else:
            members = "".join(
                f'<xbrldi:explicitMember dimension="{a}">{m}</xbrldi:explicitMember>' for a, m in dims.items()
            )
        seg = f"<xbrli:segment>{members}</xbrli:segment>"
    period = (
        f"<xbrli:instant>{end}</xbrli:instant>"
        if start is None
        else f"<xbrli:startDate>{start}</xbrli:startDate><xbrli:endDate>{end}</xbrli:endDate>"
    )
    return (
        f'<xbrli:context id="{cid}"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0000000042'
        f"</xbrli:identifier>{seg}</xbrli:entity><xbrli:period>{period}</xbrli:period></xbrli:context>"
    )


def ixbrl(
    body: str,
    contexts: str = "",
    *,
    hidden: str = "",
    form: str = "10-Q",
    d_start: str = "2025-01-01",
    d_end: str = "2025-03-31",
) -> bytes:
    """A complete inline XBRL document around *body* (facts) and *contexts*."""
    return IX_HEAD.format(form=form, hidden=hidden, contexts=contexts, body=body, d_start=d_start, d_end=d_end).encode()


def money(name: str, ctx: str, shown: str, *, scale: int = 6, extra: str = "", fmt: str = "ixt:num-dot-decimal") -> str:
    """An ix:nonFraction in USD."""
    return (
        f'<ix:nonFraction name="{name}" contextRef="{ctx}" unitRef="usd" decimals="-6" scale="{scale}" '
        f'format="{fmt}" {extra}>{shown}</ix:nonFraction>'
    )
