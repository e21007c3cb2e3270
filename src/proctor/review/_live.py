"""Review against a running Label Studio: push a review set as a project, pull it back.

`push_review` records a review set (as `create_review_set` does), creates a
Label Studio project with its labeling config, imports its tasks with the
judge's predictions, and remembers the server and project on the review set.
`pull_review` fetches the full JSON export of each pushed review set of a run
and imports it exactly as a file export is imported (same checks, same
human scores), naming reviewers by e-mail where the token may list users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.errors import ConfigError
from proctor.review._export import ReviewExport, create_review_set
from proctor.review._import import ImportSummary, check_export, import_review

if TYPE_CHECKING:
    from proctor.review._client import LabelStudio
    from proctor.review._select import Selection
    from proctor.store import Store

__all__ = ["PushedReview", "pull_review", "push_review"]


@dataclass(frozen=True, slots=True)
class PushedReview:
    """A review set now in Label Studio: the export, the project id and how many tasks."""

    export: ReviewExport
    project: int
    tasks: int


def push_review(
    store: Store,
    run_ref: str,
    client: LabelStudio,
    *,
    scorer: str | None = None,
    pairwise: str | None = None,
    against: str | None = None,
    selection: Selection | None = None,
    blind: bool = False,
    title: str | None = None,
) -> PushedReview:
    """Make a review set of run `run_ref` and send it to Label Studio as a new project."""
    from proctor.store._review import set_label_studio

    review = create_review_set(
        store,
        run_ref,
        scorer=scorer,
        pairwise=pairwise,
        against=against,
        selection=selection,
        blind=blind,
    )
    record = review.record
    name = title or f"Proctor review {record.id}: {record.scorer} of run {record.run_id}"
    description = (
        f"Review set {record.id} of run {record.run_id}, scorer {record.scorer} "
        f"({record.signature}); strategy {record.strategy}, seed {record.seed}"
        + (", blind" if record.blind else "")
    )
    project = client.create_project(name[:50], review.config, description=description)
    set_label_studio(store, record.id, url=client.url, project=project)
    count = client.import_tasks(project, review.tasks)
    return PushedReview(review, project, count)


def pull_review(
    store: Store, run_ref: str, client: LabelStudio, *, review_set: str | None = None
) -> list[tuple[str, ImportSummary]]:
    """Import the annotations of run `run_ref`'s review sets pushed to `client`'s server
    (or only `review_set`): `(review set id, summary)` for each."""
    from proctor.store._review import get_review_set, list_review_sets

    run = store.get_run(run_ref)
    if review_set is not None:
        chosen = [get_review_set(store, review_set)]
        if chosen[0].run_id != run.id:
            raise ConfigError(
                f"review set {chosen[0].id} is of run {chosen[0].run_id}, not {run.id}"
            )
    else:
        chosen = [s for s in list_review_sets(store, run.id) if s.label_studio]
    pushed = [s for s in chosen if s.label_studio and s.label_studio.get("url") == client.url]
    if not pushed:
        where = f"review set {review_set}" if review_set else f"run {run.id}"
        elsewhere = sorted({str(s.label_studio["url"]) for s in chosen if s.label_studio})
        hint = (
            f"; its review sets went to {', '.join(elsewhere)}"
            if elsewhere
            else " (proctor review push sends one)"
        )
        raise ConfigError(f"{where} has no review set pushed to Label Studio at {client.url}{hint}")
    users = client.user_emails()
    results = []
    for record in pushed:
        assert record.label_studio is not None
        project = int(record.label_studio["project"])
        source = f"{client.url} project {project}"
        tasks = check_export(client.export(project), source=source)
        results.append((record.id, import_review(store, run.id, tasks, source=source, users=users)))
    return results
