"""Review and return (处理状态): the township submits its verified patches, the county approves
them or returns them with a reason, reports them, and reopens a reported patch when it must change.

    待核查 → 乡镇已核查 → 县级审核通过 → 已上报
                    ↘ 退回（原因）→ 乡镇已核查 …      已上报 → 退回 (county reopening)

A patch with no row is 待核查. While a patch is 县级审核通过 or 已上报 its verification record is
locked (the store refuses changes). Every move is a row of the audit log (action "review",
field "state", the opinion as detail). In bureau mode who may do what is the login's group:
a township login (lep_township) submits, the county (lep_county, or the task's owner) does the
rest — and the database holds a township login to it too: it may not write review_states at all,
and submits through the task's function lep_submit_review, which makes the same checks and writes
the state and its audit row itself (postgis_store); lep_save_verification refuses locked records.
A GeoPackage task has one desk that plays both parts.
"""
from dataclasses import dataclass

from .. import schema
from ..errors import LandEnforcementError
from ..store import now_iso
from ..store.postgis_security import REVIEWER_ROLE, TOWNSHIP_ROLE

State = schema.ReviewState
COUNTY = "county"
TOWNSHIP = "township"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Action:
    name: str
    zh: str
    en: str
    sources: tuple  # states it moves a patch out of
    target: State
    roles: tuple  # who may take it
    needs_opinion: bool = False


SUBMIT = Action("submit", "提交审核", "Submit", schema.TOWNSHIP_REVIEW_FROM, State.SUBMITTED, (TOWNSHIP, COUNTY))
APPROVE = Action("approve", "审核通过", "Approve", (State.SUBMITTED,), State.APPROVED, (COUNTY,))
RETURN = Action("return", "退回", "Return", (State.SUBMITTED, State.APPROVED), State.RETURNED, (COUNTY,), True)
REPORT = Action("report", "上报", "Report", (State.APPROVED,), State.REPORTED, (COUNTY,))
REOPEN = Action("reopen", "重新打开", "Reopen", (State.REPORTED,), State.RETURNED, (COUNTY,), True)
ACTIONS = {action.name: action for action in (SUBMIT, APPROVE, RETURN, REPORT, REOPEN)}


def login_role(store):
    """COUNTY, TOWNSHIP or REVIEWER: the group of a bureau-mode login (county first: the task's
    owner counts as county, as the database's lep_is_county says); COUNTY for a GeoPackage task."""
    if store.provider != "postgres":
        return COUNTY
    if store.call("lep_is_county()"):
        return COUNTY
    for role, group in ((TOWNSHIP, TOWNSHIP_ROLE), (REVIEWER, REVIEWER_ROLE)):
        if store.query(f"SELECT pg_has_role(session_user, '{group}', 'MEMBER') AS member")[0]["member"]:
            return role
    return REVIEWER


def states(store):
    """jcbh -> {state, opinion, submitted_by, submitted_at, reviewed_by, reviewed_at} of every patch
    the login sees that has left 待核查."""
    return {row.pop("jcbh"): row for row in store.query(
        f"SELECT jcbh, state, opinion, submitted_by, submitted_at, reviewed_by, reviewed_at "
        f"FROM {schema.REVIEW_STATES_TABLE}")}


def state_of(rows, jcbh):
    row = rows.get(jcbh)
    return State(row["state"]) if row else State.PENDING


def apply(store, action, jcbhs, opinion=None):
    """Move the patches `jcbhs` by `action` (an Action or its name). All or none: a patch the action
    cannot move (wrong state, no verdict to submit) refuses the whole call, naming it. Returns the
    number of patches moved."""
    action = ACTIONS[action] if isinstance(action, str) else action
    opinion = (opinion or "").strip() or None
    role = login_role(store)
    if role not in action.roles:
        raise LandEnforcementError(f"当前登录（{store.user}）不能“{action.zh}”：仅限县级",
                                   f"This login ({store.user}) cannot {action.en.lower()}: county logins only")
    if action.needs_opinion and not opinion:
        raise LandEnforcementError(f"“{action.zh}”须填写原因", f"{action.en} needs a reason")
    wanted = sorted(set(jcbhs))
    with store.transaction():
        rows = states(store)
        known = set(store.patch_index())
        verdicts = store.verifications()
        for jcbh in wanted:
            if jcbh not in known:
                raise LandEnforcementError(f"没有图斑 {jcbh}（或不属本乡镇）",
                                           f"No patch {jcbh} (or not this township's)")
            current = state_of(rows, jcbh)
            if current not in action.sources:
                raise LandEnforcementError(
                    f"图斑 {jcbh} 处理状态为“{current.zh}”，不能“{action.zh}”",
                    f"Patch {jcbh} is '{current.en}': '{action.en}' cannot be applied to it")
            if action is SUBMIT and not (verdicts.get(jcbh) or {}).get(schema.V_VERDICT.name):
                raise LandEnforcementError(f"图斑 {jcbh} 尚无判定结果，不能提交",
                                           f"Patch {jcbh} has no verdict yet and cannot be submitted")
        if action is SUBMIT and role == TOWNSHIP:  # bureau mode: no write grant, the task's checked function
            store.submit_review(wanted, opinion)
            return len(wanted)
        stamp = now_iso()
        for jcbh in wanted:
            old = rows.get(jcbh)
            row = {"state": action.target.value}
            if action is SUBMIT:
                row.update(submitted_by=store.user, submitted_at=stamp)
            else:
                row.update(reviewed_by=store.user, reviewed_at=stamp, opinion=opinion)
            store.upsert(schema.REVIEW_STATES_TABLE, {"jcbh": jcbh}, row, old is not None)
            store.audit("review", "review_state", jcbh, "state", old["state"] if old else State.PENDING.value,
                        action.target.value, detail=f"{action.name}: {opinion}" if opinion else action.name)
    return len(wanted)


def returned(store):
    """[(jcbh, reason)] of the patches returned to their township (what its list shows)."""
    return sorted((jcbh, row["opinion"] or "") for jcbh, row in states(store).items()
                  if row["state"] == State.RETURNED.value)


def history(store, jcbh):
    """The audited moves of one patch: [(ts, user, from, to, detail)]."""
    return [(e["ts"], e["user_name"], e["old_value"], e["new_value"], e["detail"])
            for e in store.audit_entries(jcbh) if e["action"] == "review"]
