"""The encoder: search box, results, code detail with notes, and a PCS table-walk builder.

Every callback calls the library (``coderlib.codes.search.search_with_index``,
``coderlib.codes.lookup.lookup``, ``coderlib.codes.icd10pcs.next_values``/``decode``);
a ``CodeError`` is shown as a message in the panel, never a traceback. The HTML renderers
are plain functions, so a notebook can show the same views without widgets.

>>> enc = Encoder(query="chest pain", code="R07.9")
>>> enc.results.options[0][1]
('icd10cm', 'R079')
>>> "Chest pain, unspecified" in enc.detail.value
True
"""

from __future__ import annotations

import html

import ipywidgets as W

from coderlib.codes.errors import CodeError
from coderlib.codes.lookup import LookupResult, lookup
from coderlib.codes.search import SearchHit, search_with_index
from coderlib.ui.kit import CSS

SYSTEM_CHOICES = (("All code sets", ""), ("ICD-10-CM", "icd10cm"), ("ICD-10-PCS", "icd10pcs"),
                  ("HCPCS Level II", "hcpcs"), ("CPT", "cpt"))
_E = html.escape


def hit_label(hit: SearchHit) -> str:
    """One line for the results list, e.g. ``'E11.9  Type 2 diabetes ... [icd10cm]'``."""
    flag = "" if hit.billable else " (header)"
    return f"{hit.dotted:<9} {hit.description}{flag}  [{hit.system}]"


def error_html(err: Exception) -> str:
    """A CodeError (or bad input) as a readable message with its suggestions."""
    reason = getattr(err, "reason", "error")
    sugg = getattr(err, "suggestions", [])
    more = f"<br>Try: {_E(', '.join(sugg[:15]))}" if sugg else ""
    message = getattr(err, "message", str(err))
    return (f"<div style='color:#a00'><b>{_E(reason)}</b>: {_E(message)}{more}</div>")


def detail_html(res: LookupResult) -> str:
    """The code page: hierarchy, billable status, 7th characters and every note by source."""
    if res.system != "icd10cm":
        from coderlib.codes.lookup import detail_lines

        return "<pre>" + _E("\n".join(detail_lines(res))) + "</pre>"
    rec = res.record
    status = "billable" if rec.billable else f"{rec.kind} header - not billable"
    parts = [f"<h2>{_E(rec.dotted)} {_E(rec.description)}</h2>",
             f"<p>ICD-10-CM FY{rec.fiscal_year} ({rec.valid_from} to {rec.valid_to}); "
             f"<b>{_E(status)}</b></p><ul>"]
    parts += [f"<li>{_E(lv.kind)} {_E(lv.code)}: {_E(lv.description)}</li>"
              for lv in rec.ancestors]
    parts.append("</ul>")
    if rec.needs_seventh:
        parts.append(f"<p>Needs a 7th character: {_E(', '.join(rec.children))}</p>")
    elif rec.billable_children:
        kids = rec.billable_children
        more = f" (+{len(kids) - 30} more)" if len(kids) > 30 else ""
        parts.append(f"<p>Billable codes under it ({len(kids)}): "
                     f"{_E(', '.join(kids[:30]))}{more}</p>")
    if rec.seventh_characters:
        rows = "".join(f"<tr><td>{_E(k)}</td><td>{_E(v)}</td></tr>"
                       for k, v in rec.seventh_characters.items())
        parts.append(f"<p>7th characters (from {_E(rec.seventh_source or '')}):</p>"
                     f"<table>{rows}</table>")
    if rec.notes:
        rows = "".join(f"<tr><td>{_E(n.label)}</td><td>{_E(n.source)}</td>"
                       f"<td>{_E(n.text)}</td></tr>" for n in rec.notes)
        parts.append("<p>Instructional notes (nearest first):</p><table><tr><th>note</th>"
                     f"<th>from</th><th>text</th></tr>{rows}</table>")
    if res.also:
        parts.append(f"<p>Also a code in: {_E(', '.join(res.also))}</p>")
    return "".join(parts)


def pcs_options(prefix: str) -> list[tuple[str, str]]:
    """Dropdown options for the next PCS character: ``('J  Appendix', 'J')`` pairs."""
    from coderlib.codes import icd10pcs

    return [(f"{ch}  {meaning}", ch) for ch, meaning in icd10pcs.next_values(prefix)]


def pcs_decode_html(code: str) -> str:
    """A complete PCS code explained character by character."""
    from coderlib.codes import icd10pcs

    dec = icd10pcs.decode(code)
    rows = "".join(f"<tr><td>{a.position}</td><td>{_E(a.axis)}</td><td>{_E(a.value)}</td>"
                   f"<td>{_E(a.meaning)}</td><td>{_E(a.definition)}</td></tr>" for a in dec.axes)
    return (f"<h2>{_E(dec.code)} {_E(dec.description)}</h2><table><tr><th>#</th><th>axis</th>"
            f"<th>value</th><th>meaning</th><th>definition</th></tr>{rows}</table>")


class PcsBuilder:
    """Walk the PCS tables: pick a value for each character until the code is complete."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = W.Text(value=prefix.upper(), description="Code so far",
                             disabled=True, style={"description_width": "initial"})
        self.choice = W.Dropdown(options=[], description="Next character",
                                 style={"description_width": "initial"})
        self.back = W.Button(description="Back", icon="arrow-left")
        self.reset = W.Button(description="Start over")
        self.out = W.HTML()
        self.choice.observe(self._on_choice, names="value")
        self.back.on_click(lambda _b: self.set_prefix(self.prefix.value[:-1]))
        self.reset.on_click(lambda _b: self.set_prefix(""))
        self.widget = W.VBox([W.HBox([self.prefix, self.back, self.reset]), self.choice,
                              self.out])
        self.set_prefix(prefix.upper())

    def set_prefix(self, prefix: str) -> None:
        """Show the choices for the character after ``prefix`` (or the decoded code)."""
        self.prefix.value = prefix
        try:
            if len(prefix) == 7:
                self._set_options([])
                self.out.value = pcs_decode_html(prefix)
                return
            self._set_options(pcs_options(prefix))
            self.out.value = (f"<p>{len(self.choice.options)} valid values for character "
                              f"{len(prefix) + 1}</p>")
        except CodeError as err:
            self._set_options([])
            self.out.value = error_html(err)

    def _set_options(self, options: list[tuple[str, str]]) -> None:
        self._updating = True
        self.choice.options = [("(choose)", "")] + options if options else []
        self.choice.value = "" if options else None
        self._updating = False

    def _on_choice(self, change: dict) -> None:
        if getattr(self, "_updating", False) or not change["new"]:
            return
        self.set_prefix(self.prefix.value + change["new"])


class Encoder:
    """The whole encoder; ``.widget`` is what a notebook displays.

    The code on screen is remembered with its code set, so changing the date re-opens that
    code (not whatever the Code box said before a result was picked); a partial ICD-10-PCS
    code typed in the Code box is handed to the PCS builder.
    """

    def __init__(self, query: str = "", code: str = "", limit: int = 25) -> None:
        style = {"description_width": "initial"}
        self.box = W.Text(value=query, description="Search", placeholder="words or a code",
                          continuous_update=False, style=style,
                          layout=W.Layout(width="28em", max_width="100%"))
        self.system = W.Dropdown(options=SYSTEM_CHOICES, value="", description="In",
                                 style=style, layout=W.Layout(width="auto"))
        self.results = W.Select(options=[], rows=12, description="Results", style=style,
                                layout=W.Layout(width="100%"))
        self.code = W.Text(value=code, description="Code", continuous_update=False,
                           style=style)
        self.date = W.Text(value="", description="Date of service", placeholder="YYYY-MM-DD",
                           continuous_update=False, style=style)
        self.detail = W.HTML()
        self.message = W.HTML()
        self.limit = limit
        self.current: tuple[str, str | None] | None = None  # (code, system) on screen
        self._picking = False
        self.pcs = PcsBuilder()
        self.box.observe(lambda _c: self.run_search(), names="value")
        self.system.observe(lambda _c: self.run_search(), names="value")
        self.results.observe(self._on_pick, names="value")
        self.code.observe(self._on_code, names="value")
        self.date.observe(lambda _c: self._on_date(), names="value")
        self.tabs = W.Tab(children=[W.VBox([self.code, self.date, self.detail]),
                                    self.pcs.widget])
        self.tabs.set_title(0, "Code detail")
        self.tabs.set_title(1, "PCS builder")
        self.widget = W.VBox([W.HTML(f"{CSS}<h1>Code lookup</h1>"),
                              W.HBox([self.box, self.system]), self.message, self.results,
                              self.tabs])
        self.widget.add_class("cl-app")
        if query:
            self.run_search()
        if code:
            self.show(code)

    def _day(self) -> str | None:
        """The date of service typed so far, when it is a whole date (else the newest year)."""
        from coderlib.codes.normalize import date_of_service

        try:
            return self.date.value.strip() if date_of_service(self.date.value.strip()) else None
        except (CodeError, ValueError):
            return None

    def run_search(self) -> list[SearchHit]:
        """Search with the box's text and fill the results list."""
        try:
            hits = search_with_index(self.box.value, system=self.system.value or None,
                                     limit=self.limit, on=self._day())
        except CodeError as err:
            self.message.value = error_html(err)
            return []
        self.message.value = "" if hits or not self.box.value.strip() else \
            f"<i>No codes match {_E(self.box.value)!s}</i>"
        self.results.options = [(hit_label(h), (h.system, h.code)) for h in hits]
        return hits

    def _on_pick(self, change: dict) -> None:
        if change["new"]:
            system, code = change["new"]
            self.show(code, system)

    def _on_code(self, change: dict) -> None:
        if not self._picking:
            self.show(change["new"])

    def _on_date(self) -> None:
        if self.current:
            self.show(*self.current)
        else:
            self.show(self.code.value)

    def show(self, code: str, system: str | None = None) -> None:
        """Show the detail page for ``code`` (errors as a message, never a traceback)."""
        if not code.strip():
            self.detail.value = ""
            self.current = None
            return
        try:
            res = lookup(code, on=self.date.value.strip() or None, system=system)
        except (CodeError, ValueError) as err:
            if self._partial_pcs(code):
                return
            self.detail.value = error_html(err)
            return
        self.current = (res.code, res.system)
        shown = res.display or res.code
        if self.code.value != shown:
            self._picking = True
            self.code.value = shown
            self._picking = False
        self.detail.value = detail_html(res)
        if res.system == "icd10pcs":
            self.pcs.set_prefix(res.code)

    def _partial_pcs(self, text: str) -> bool:
        """Open a partial PCS code (1-6 characters of a valid table path) in the builder."""
        from coderlib.codes import icd10pcs

        prefix = text.strip().upper()
        if not (1 <= len(prefix) < 7 and prefix.isalnum()):
            return False
        try:
            if not icd10pcs.next_values(prefix):
                return False
        except CodeError:
            return False
        self.pcs.set_prefix(prefix)
        self.tabs.selected_index = 1
        self.current = None
        self.detail.value = (f"<p>{_E(prefix)} is the start of an ICD-10-PCS code: continue "
                             "it in the <b>PCS builder</b> tab.</p>")
        return True


def build_encoder(query: str = "", code: str = "") -> W.VBox:
    """The encoder widget, pre-filled with a search ``query`` and a ``code`` to show."""
    return Encoder(query=query, code=code).widget
