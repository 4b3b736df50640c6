"""Data: whether the database holds the demo (removable in one click), upload exports (validated like the CLI,
previewed before writing; a first import replaces the demo unless told to add to it), the import history with
undo, the stage model and the touchpoint-type mapping, reset to the demo data."""

import tempfile
from pathlib import Path

import streamlit as st

from i18n import CURRENCIES
from ui import imports, profiles, uploads
from ui.auth import auth_configured, exposed_secrets, listening_address, listens_wide, require_admin
from ui.data import analysis, catalogue, demo_state
from ui.i18n import language, moment, number, t
from ui.widgets import footer, import_help, plain, stage_labels

require_admin()  # the navigation hides this page from viewers; a link to it must not open it either
uploads.allow()  # this session may upload while it shows this page (ui/uploads.py refuses every other)
st.title(t("page.data"))
st.caption(t("data.intro"))
if not auth_configured():
    if listens_wide():
        st.warning(t("auth.open_notice") + " " + t("auth.open_wide", address=listening_address() or "*"),
                   icon=":material/lock_open:")
    else:
        st.info(t("auth.open_notice") + " " + t("auth.open_local", address=listening_address()),
                icon=":material/lock_open:")
for exposed in exposed_secrets():
    st.warning(t("auth.secrets_exposed", path=plain(exposed)), icon=":material/key:")

# -- the demo: said plainly, removable in one click whatever came after it --------------------------------------
demo = demo_state()
removed = st.session_state.pop("demo_removed", None)
if removed is not None:
    st.success(t("data.demo_removed", customers=number(removed.customers), touchpoints=number(removed.touchpoints),
                 feedback=number(removed.feedback), kept=number(removed.customers_kept)))
if demo is not None:
    with st.container(border=True):
        st.markdown(t("data.demo_only" if demo == "only" else "data.demo_mixed"))
        if st.button(t("data.demo_remove"), icon=":material/delete_sweep:", key="demo_remove"):
            st.session_state["demo_removed"] = imports.remove_demo()
            st.rerun()
elif catalogue().first_day is None:
    st.info(t("empty.no_data"), icon=":material/upload_file:")
    import_help()
else:
    st.caption(t("data.no_demo"))

# -- upload → validate → preview → write ------------------------------------------------------------
st.subheader(t("data.upload"))
cols = st.columns(3)
# A new round of uploaders once the files are read: Streamlit drops their bytes, the widgets show empty.
upload_round = st.session_state.setdefault("upload_round", 0)
uploads_by_kind = {kind: col.file_uploader(t(f"data.kind.{kind}"), key=f"upload_{kind}_{upload_round}",
                                           type=["csv", "txt", "tsv", "xlsx", "parquet"])
                   for kind, col in zip(imports.KINDS, cols, strict=True)}
chosen = {k: u for k, u in uploads_by_kind.items() if u is not None}

keep = st.checkbox(t("data.keep_personal"), key="keep_personal", help=t("data.keep_personal_help"))
# Invalid rows: refuse everything (off, as the command line's default) or set them aside. A toggle, not a radio
# with a format_func: its value stays the same whatever the language (AppTest formats a radio outside the run).
on_error = "quarantine" if st.toggle(t("data.on_error"), key="on_error_quarantine",
                                     help=t("data.on_error_help")) else "refuse"
if st.button(t("data.check"), disabled=not chosen, type="primary"):
    st.session_state.pop("pending_import", None)  # the previous check's frames go before new ones are read
    with tempfile.TemporaryDirectory() as tmp, st.spinner(t("data.checking")):
        paths = {}
        for kind, upload in chosen.items():
            # one folder per kind: three exports named alike (export.csv) keep their own content and role
            folder = Path(tmp) / kind
            folder.mkdir()
            path = folder / (Path(upload.name).name or f"{kind}.csv")
            path.write_bytes(upload.getbuffer())
            upload.close()
            paths[kind] = path
        uploads.release(chosen.values())  # read: the server no longer holds the uploaded bytes
        chosen.clear()
        st.session_state["pending_import"] = imports.check(paths, keep_personal_data=keep, on_error=on_error)
    st.session_state["upload_round"] = upload_round + 1
    uploads.trim_memory()
    st.rerun()

# -- a source's exports through a profile: a draft by columns' names and contents, a dropdown per field ------------
with st.expander(t("data.profile.title"), icon=":material/tune:",
                 expanded="profile_source" in st.session_state):
    st.caption(t("data.profile.intro"))
    profile_round = st.session_state.setdefault("profile_round", 0)
    source_files = st.file_uploader(t("data.profile.files"), accept_multiple_files=True,
                                    key=f"profile_files_{profile_round}",
                                    type=["csv", "txt", "tsv", "xlsx", "parquet"])
    kept_profiles = profiles.saved()
    # labels as options, no format_func: AppTest formats options outside the run, in the wrong language
    draft_label = t("data.profile.draft")
    start_from = st.selectbox(t("data.profile.start"), [draft_label, *kept_profiles], key=f"profile_start_{language()}")
    start_from = "" if start_from == draft_label else start_from
    if st.button(t("data.profile.read"), disabled=not source_files, key="profile_read"):
        folder = Path(tempfile.mkdtemp(prefix="parcours-source-"))
        for upload in source_files:
            (folder / Path(upload.name).name).write_bytes(upload.getbuffer())
            upload.close()
        uploads.release(source_files)
        paths = sorted(folder.iterdir())
        spec, evidence = (kept_profiles[start_from], []) if start_from else profiles.draft(paths)
        st.session_state["profile_source"] = {"folder": str(folder), "spec": spec, "evidence": evidence}
        st.session_state["profile_round"] = profile_round + 1
        st.rerun()
    source = st.session_state.get("profile_source")
    if source is not None:
        paths = sorted(Path(source["folder"]).iterdir())
        spec = source["spec"]
        by_role = profiles.columns_by_role(spec, paths)
        for kind, position, output in profiles.outputs(spec):
            st.markdown(f"**{t(f'data.kind.{kind}')}** ← {plain(output['file'])}")
            options = profiles.choices(output, by_role)
            fields = output.setdefault("fields", {})
            cells = st.columns(4)
            for n, name in enumerate(profiles.field_names(kind, output)):
                current = fields.get(name)
                if current is not None and not isinstance(current, str):
                    cells[n % 4].text_input(t(f"data.field.{name}"), profiles.constant_label(current),
                                            disabled=True, key=f"pf_{kind}_{position}_{name}")
                    continue
                chosen_column = cells[n % 4].selectbox(
                    t(f"data.field.{name}"), options, index=options.index(current) if current in options else 0,
                    key=f"pf_{kind}_{position}_{name}")
                if chosen_column != profiles.NONE:
                    fields[name] = chosen_column
                else:
                    fields.pop(name, None)
            for e, event in enumerate(output.get("events", [])):
                cells = st.columns(4)
                event["timestamp"] = cells[0].selectbox(
                    t("data.profile.event", n=e + 1), options[1:],
                    index=options[1:].index(event["timestamp"]) if event["timestamp"] in options[1:] else 0,
                    key=f"pe_{kind}_{position}_{e}_time")
                event["touchpoint"] = {"value": cells[1].text_input(
                    t("data.field.touchpoint"), profiles.constant_label(event.get("touchpoint", {"value": ""})),
                    key=f"pe_{kind}_{position}_{e}_type")}
                labels = stage_labels()  # code -> label in the session's language
                codes = list(labels)
                stage = profiles.constant_label(event.get("stage", {"value": codes[0]}))
                chosen_label = cells[2].selectbox(
                    t("data.field.stage"), list(labels.values()),
                    index=codes.index(stage) if stage in codes else 0, key=f"pe_{kind}_{position}_{e}_stage")
                event["stage"] = {"value": codes[list(labels.values()).index(chosen_label)]}
                if "channel" in event:
                    cells[3].text_input(t("data.field.channel"), profiles.constant_label(event["channel"]),
                                        disabled=True, key=f"pe_{kind}_{position}_{e}_channel")
        for line in source.get("evidence", []):
            st.caption(plain(line))
        cells = st.columns(2)
        cells[0].download_button(t("data.profile.download"), profiles.dumps(spec), file_name="profile.json",
                                 mime="application/json", key="profile_download")
        if cells[1].button(t("data.profile.check"), type="primary", key="profile_check"):
            st.session_state.pop("pending_import", None)
            with st.spinner(t("data.checking")):
                checked, journeys = profiles.check(spec, paths, keep_personal_data=keep)
            st.session_state["pending_import"] = checked
            st.session_state["pending_profile"] = {"spec": spec, "journeys": journeys}
            st.rerun()

pending = st.session_state.get("pending_import")
if pending is not None:
    if pending.errors:
        st.error(t("data.refused", n=len(pending.errors)))
        st.dataframe(imports.error_table(pending.errors, language()), hide_index=True, width="stretch")
        st.download_button(t("data.errors_download"), imports.errors_csv(pending.errors, language()),
                           file_name=t("data.errors_file"), mime="text/csv")
    else:
        if pending.rejected:
            st.warning(t("data.rejected", n=number(pending.rejected)), icon=":material/rule:")
        else:
            st.success(t("data.valid"))
        for v in pending.validated:
            st.markdown(f"**{t(f'data.kind.{v.kind}')}** — {plain(v.file_name)} — {number(v.rows_read)} "
                        + t("data.rows"))
            st.dataframe(imports.preview_table(v.frame.head(10), language(), stage_labels()), hide_index=True,
                         width="stretch")
            for note in v.notes:
                st.caption(plain(imports.in_language(note)))
            if v.rejected is not None and len(v.rejected):
                st.dataframe(v.rejected.table(language()).head(10), hide_index=True, width="stretch")
                st.download_button(t("data.rejected_download", file=plain(v.file_name)),
                                   imports.rejected_csv(v, language()), file_name=imports.rejected_file_name(v),
                                   mime="text/csv", key=f"rejected_{v.kind}")
        journeys = st.session_state.get("pending_profile", {}).get("journeys")
        if journeys is not None and len(journeys):
            st.markdown(f"**{t('data.profile.journeys')}**")
            st.dataframe(imports.preview_table(journeys, language(), stage_labels()), hide_index=True,
                         width="stretch")
        replace_demo = False
        if demo == "only":  # a first import: the user's data, not the demo (unless they want both)
            replace_demo = st.radio(t("data.demo_choice"), [True, False], key="demo_choice", horizontal=True,
                                    format_func=lambda r: t("data.demo_replace" if r else "data.demo_add"))
        if st.button(t("data.write"), type="primary"):
            progress = st.progress(0.1, text=t("data.writing"))
            summary = imports.write(pending.validated, replace_demo=replace_demo, on_error=pending.on_error)
            if isinstance(summary, str):  # refused (a full disk): nothing written, the check stays to try again
                progress.empty()
                st.error(plain(summary), icon=":material/storage:")
            else:
                progress.progress(1.0, text=t("data.written"))
                del pending
                st.session_state.pop("pending_import")
                through = st.session_state.pop("pending_profile", None)
                if through is not None:  # offered again for the next import of this source
                    st.success(t("data.profile.saved", source=plain(profiles.save(through["spec"]))))
                    profiles.forget_files(st.session_state.pop("profile_source", None))
                uploads.trim_memory()  # the validated frames are written: give their memory back
                lines = summary.lines(language())  # a file's notes are indented under it
                st.markdown(f"**{plain(lines[0])}**\n\n" + "\n".join(
                    ("    " if line.startswith("    ") else "") + "- " + plain(line.strip()) for line in lines[1:]))
                if replace_demo:
                    st.success(t("data.demo_replaced"))

# -- one customer across systems: identity links, stitched ----------------------------------------------------
with st.expander(t("data.identities"), icon=":material/join:"):
    st.caption(t("data.identities.intro"))
    links_round = st.session_state.setdefault("links_round", 0)
    links_file = st.file_uploader(t("data.identities.file"), key=f"links_file_{links_round}",
                                  type=["csv", "txt", "tsv", "xlsx", "parquet"])
    if st.button(t("data.identities.import"), disabled=links_file is None, key="links_import"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / (Path(links_file.name).name or "links.csv")
            path.write_bytes(links_file.getbuffer())
            uploads.release([links_file])
            st.session_state["links_done"] = imports.import_links(path)
        st.session_state["links_round"] = links_round + 1
        st.rerun()
    links_done = st.session_state.pop("links_done", None)
    if isinstance(links_done, list):
        st.error(t("data.refused", n=len(links_done)))
        st.dataframe(imports.error_table(links_done, language()), hide_index=True, width="stretch")
    elif links_done is not None:
        st.success(t("data.identities.done", links=number(links_done["links"]),
                     merged=number(links_done["merged_customers"]), moved=number(links_done["moved_touchpoints"])))
    stitched = imports.identity_report()
    if stitched["identifiers"]:
        st.markdown(t("data.identities.summary", identifiers=number(stitched["identifiers"]),
                      customers=number(stitched["customers"]), merged=number(stitched["merged"])))
        st.dataframe({t("data.identities.size"): list(stitched["sizes"]),
                      t("data.identities.count"): [number(v) for v in stitched["sizes"].values()]},
                     hide_index=True)
        for held in stitched["held"]:
            st.warning(t("data.identities.held", size=number(held["size"]), first=plain(", ".join(held["first"]))),
                       icon=":material/warning:")

# -- history ------------------------------------------------------------------------------------------
st.subheader(t("data.history"))
history = imports.history()
if not history:
    st.caption(t("footer.none"))
for batch in history:
    when = moment(batch["imported_at"].astimezone()) if batch["imported_at"] else "—"
    source = imports.source_label(batch["source"], language())
    with st.expander(f"#{batch['id']} · {when} · {source}", expanded=batch is history[0]):
        st.dataframe(imports.history_table(batch["files"], language()), hide_index=True, width="stretch")
        st.caption(t("data.customers_created", n=batch["customers_created"]))
        if batch.get("on_error") == "quarantine":
            st.caption(t("data.history.quarantine"))
        refusal = imports.undo_refusal(batch["id"], language())
        if st.button(t("data.undo"), key=f"undo_{batch['id']}", disabled=refusal is not None, help=refusal):
            imports.undo(batch["id"])
            st.rerun()



def show_saved(refusal: str | None) -> None:
    if refusal:
        st.error(plain(refusal))
    else:
        st.success(t("data.saved"))


# -- the model ----------------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader(t("data.stage_model"))
    st.dataframe(imports.stage_table(), hide_index=True, width="stretch", column_config={
        "code": t("data.col.code"), "FR": t("data.col.label_fr"), "EN": t("data.col.label_en"),
        "conversion": t("data.col.conversion")})
with right:
    st.subheader(t("data.mapping"))
    stage_names = dict(zip(imports.stage_table()["code"], imports.stage_table()[language().upper()], strict=True))
    edited = st.data_editor(
        imports.mapping_table(), key="mapping_editor", hide_index=True, width="stretch", num_rows="dynamic",
        column_config={"type": st.column_config.TextColumn(t("data.col.type"), required=True),
                       "stage": st.column_config.SelectboxColumn(t("data.col.stage"), options=list(stage_names),
                                                                 required=True, format_func=stage_names.get)})
    st.caption(t("data.mapping_hint"))
    if st.button(t("data.save_mapping")):
        show_saved(imports.save_mapping(edited, language()))

st.subheader(t("data.channels"))
kinds = st.data_editor(
    imports.channel_table(), key="channel_editor", hide_index=True, width="stretch", disabled=["code", "label"],
    column_config={"code": t("data.col.code"), "label": t("data.col.label"),
                   "kind": st.column_config.SelectboxColumn(t("data.col.kind"), options=["digital", "physical"],
                                                            required=True, format_func=lambda k: t(f"data.kind.{k}")),
                   "operational": st.column_config.CheckboxColumn(t("data.col.operational"),
                                                                  help=t("data.operational_help"))})
st.caption(t("data.operational_help"))
if st.button(t("data.save_channels")):
    show_saved(imports.save_channel_kinds(kinds, language()))

# -- analysis settings: how long customers are followed, when a skipped stage is ranked ----------------------
st.subheader(t("data.analysis"))
current = analysis()
with st.form("analysis_settings"):
    cols = st.columns(4)
    follow_all = cols[0].checkbox(t("data.window_all"), value=current.window_days is None,
                                  help=t("data.window_all_help"))
    window = cols[0].number_input(t("data.window_days"), 1, 3660, current.window_days or 90, step=1,
                                  help=t("data.window_days_help"))
    post = cols[1].number_input(t("data.post_window_days"), 1, 3660, current.post_window_days, step=1,
                                help=t("data.post_window_days_help"))
    churn_days = cols[2].number_input(t("data.churn_window_days"), 1, 3660, current.churn_window_days, step=1,
                                      help=t("data.churn_window_days_help"))
    ranking = cols[3].number_input(t("data.observed_for_ranking"), 1, 100, round(current.observed_for_ranking * 100),
                                   step=1, help=t("data.observed_for_ranking_help"))
    measures = ["auto", "nps", "csat"]
    measure = cols[3].selectbox(t("data.measure"), measures, index=measures.index(current.measure),
                                format_func=lambda m: t(f"data.measure.{m}"), help=t("data.measure_help"))
    codes = list(CURRENCIES)
    code = cols[1].selectbox(t("data.currency"), codes, index=codes.index(current.currency),
                             format_func=lambda c: f"{c} ({CURRENCIES[c]})", help=t("data.currency_help"))
    symbol = cols[2].text_input(t("data.currency_symbol"), current.currency_symbol or "", max_chars=4,
                                help=t("data.currency_symbol_help"))
    if st.form_submit_button(t("data.save_analysis")):
        show_saved(imports.save_analysis_settings(
            {"window_days": "all" if follow_all else str(int(window)), "post_window_days": str(int(post)),
             "churn_window_days": str(int(churn_days)), "observed_for_ranking": f"{int(ranking)} %",
             "measure": measure, "currency": code, "currency_symbol": symbol.strip() or "auto"}, language()))

# -- forget a customer (GDPR right to erasure) ---------------------------------------------------------
st.subheader(t("data.forget"))
with st.form("forget", clear_on_submit=True):
    given = st.text_area(t("data.forget_ids"), help=t("data.forget_help"))
    if st.form_submit_button(t("data.forget_button"), icon=":material/person_remove:"):
        ids = [line.strip() for line in given.splitlines() if line.strip()]
        done = imports.forget(ids, language()) if ids else t("data.forget_none")
        if isinstance(done, str):  # refused: nothing deleted
            st.error(plain(done))
        else:
            st.success(t("data.forgotten", customers=number(done.customers), touchpoints=number(done.touchpoints),
                         feedback=number(done.feedback), already=number(done.already_forgotten)))
log = imports.forget_log()
if log:
    st.caption(t("data.forget_log", n=number(len(log)), last=moment(log[0]["forgotten_at"])))

# -- reset ----------------------------------------------------------------------------------------------
st.subheader(t("data.reset"))


def _reset() -> None:
    imports.reset_to_demo()
    st.session_state["reset_confirm"] = False  # allowed in a callback: asks again next time


confirm = st.checkbox(t("data.reset_confirm"), key="reset_confirm")
st.button(t("data.reset_button"), disabled=not confirm, on_click=_reset)

footer()
