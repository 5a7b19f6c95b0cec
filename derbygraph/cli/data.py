"""The commands that build, check, export, move or serve the data."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from derbygraph.config import DEFAULT
from derbygraph.errors import BadInput
from derbygraph.store import formats

from .group import DEFAULT_STORE, data_option, fail, main, open_dataset, open_remote, progress, store_option


@main.command()
@data_option
@click.option("--store", default=DEFAULT_STORE, show_default=True, metavar="DIR", help="Where to write the store.")
def build(data: tuple[str, ...], store: str) -> None:
    """Load ontology + data (+ extra files), validate, infer, write a persistent store."""
    from derbygraph.answers import kept_indexes, kept_queries
    from derbygraph.build import write_store

    click.echo(f"derbygraph build: {store}", err=True)
    dataset = write_store(Path(store), [Path(p) for p in data], progress=progress, keep=kept_queries(), indexes=kept_indexes())
    click.echo(f"built {store}: {len(dataset)} quads, version {dataset.version}")


@main.command()
@data_option
@click.option("--sources", metavar="DIR", type=click.Path(file_okay=False),
              help="Folder of source documents: every quote must be found in its document.")
@click.option("--all", "every", is_flag=True,
              help=f"Print every problem (by default the first {DEFAULT.problems_shown}, then counts by kind).")
def check(data: tuple[str, ...], sources: str | None, every: bool) -> None:
    """Validate the data (SHACL shapes, and quotes against --sources); exit 1 on any problem."""
    from derbygraph.build import build_store
    from derbygraph.build.checks import check as run_checks
    from derbygraph.build.checks import summary
    from derbygraph.build.coverage import Coverage
    from derbygraph.store.dataset import Dataset

    if sources and not Path(sources).is_dir():
        raise BadInput(f"{sources}: no such folder")
    store, found = build_store([Path(p) for p in data])
    coverage = Coverage.of(store)
    problems = run_checks(store, found, Path(sources) if sources else None, coverage)
    for line in summary(problems, None if every else DEFAULT.problems_shown):
        click.echo(line)
    click.echo(str(coverage), err=True)
    for line in coverage.rules(every):
        click.echo(line, err=True)
    if problems:
        sys.exit(1)
    checked = "shapes and quotes" if sources else "shapes"
    click.echo(f"ok: {len(Dataset(store))} quads, {checked} conform", err=True)


@main.command()
@click.option("--format", "fmt", default="turtle", show_default=True, metavar="FORMAT",
              help=f"One of {', '.join(f.name for f in formats.EXPORTS)} (or a file extension such as ttl).")
@click.option("--asserted", is_flag=True, help="Only what the sources state: leave out what the build inferred and derived.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@data_option
@store_option
def export(fmt: str, asserted: bool, output: str | None, data, store) -> None:
    """The whole dataset in one RDF format (inferred and derived triples included unless --asserted)."""
    from derbygraph.store.dumps import dump

    fmt = formats.by_name(formats.EXPORTS, fmt).name
    dataset = open_dataset(data, store)
    if output:
        with open(output, "wb") as stream:
            dump(dataset, fmt, asserted, stream)
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.buffer.write(dump(dataset, fmt, asserted))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@data_option
@store_option
@click.option("--endpoint", metavar="URL", help="Serve from a remote SPARQL store instead of the embedded one.")
@click.option("--workers", default=DEFAULT.workers, show_default=True, type=click.IntRange(1, 64),
              help="Query worker processes.")
@click.option("--query-timeout", default=DEFAULT.timeout, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds before a SPARQL query is stopped.")
@click.option("--answer-timeout", default=DEFAULT.answer_timeout, show_default=True, type=click.FloatRange(0.01, 3600),
              help="Seconds any other request (reconcile, search, lineage, pages) may work before it is stopped.")
@click.option("--client-share", default=None, type=click.IntRange(1, 4096), metavar="N",
              help="SPARQL requests one client address may have running or waiting.  [default: half the workers]")
@click.option("--trusted-proxy", metavar="ADDR",
              help="The reverse proxy's address: its X-Forwarded-For names the client (for --client-share).")
@click.option("--worker-memory", default=DEFAULT.worker_memory >> 20, show_default=True, metavar="MIB",
              type=click.IntRange(64, 1 << 20), help="Heap of one query worker in MiB; past it the query is stopped.")
@click.option("--queue", default=DEFAULT.queue, show_default=True, type=click.IntRange(0, 1024),
              help="SPARQL requests that may wait for a worker; past them the answer is 503 at once.")
@click.option("--queue-wait", default=DEFAULT.queue_wait, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a request may wait for a query worker or a slot of its area; then 503 with Retry-After.")
@click.option("--request-timeout", default=DEFAULT.request_timeout, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a request (head and body) may take to arrive in full; then its connection is closed.")
@click.option("--idle-timeout", default=DEFAULT.channel_timeout, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a connection may stay silent before it is closed.")
@click.option("--send-timeout", default=DEFAULT.send_timeout, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds an answer may wait to be read in full; then it is dropped with its connection.")
@click.option("--sources", "sources_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Folder of the source documents: source pages show their text, quoted spans marked.")
@click.option("--base-url", metavar="URL", help="The public address (behind a proxy) for links, redirects and "
              "VoID; by default the address bound. The Host header is never used.")
def serve(host: str, port: int, data, store, endpoint, workers: int, query_timeout: float, answer_timeout: float,
          client_share: int | None, trusted_proxy: str | None, worker_memory: int,
          queue: int, queue_wait: float, request_timeout: float, idle_timeout: float, send_timeout: float,
          sources_dir: str | None, base_url: str | None) -> None:
    """The web app (SPARQL endpoint, lineage, linked data) on a production WSGI server."""
    from derbygraph.store.dataset import Dataset
    from derbygraph.web.server import bind, run, scratch_store, stopping_cleanly

    if sum(map(bool, (store, data, endpoint))) > 1:
        raise BadInput("give one of --store (a built store), --data (files to add) or --endpoint (a remote store)")
    if sources_dir and not Path(sources_dir).is_dir():
        raise BadInput(f"{sources_dir}: no such folder")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise BadInput(f"--base-url {base_url!r}: give an http:// or https:// address")
    config = DEFAULT.replace(workers=workers, timeout=query_timeout, answer_timeout=answer_timeout,
                             client_share=client_share, trusted_proxy=trusted_proxy,
                             worker_memory=worker_memory << 20, queue=queue, queue_wait=queue_wait,
                             request_timeout=request_timeout, channel_timeout=idle_timeout,
                             send_timeout=send_timeout,
                             sources_dir=sources_dir,
                             base_url=base_url.rstrip("/") if base_url else None)
    listener = bind(host, port)
    try:
        with stopping_cleanly(), contextlib.ExitStack() as stack:
            if endpoint:
                dataset = open_remote(endpoint, query_timeout)
            elif store:
                dataset = Dataset.open(Path(store))
            else:
                dataset = stack.enter_context(scratch_store([Path(p) for p in data], progress))
            run(dataset, listener, config)
    except KeyboardInterrupt:
        fail("stopped before the server started")
    finally:
        listener.close()


@main.command()
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL Update endpoint.")
@click.option("--gsp", metavar="URL", help="The store's Graph Store Protocol endpoint (used instead of Update).")
@data_option
@store_option
def push(endpoint: str, gsp: str | None, data, store) -> None:
    """Load the built dataset into a remote SPARQL 1.1 store, replacing its graphs."""
    from derbygraph.store.remote import push as push_quads

    dataset = open_dataset(data, store)
    count = push_quads(dataset.quads(), endpoint, gsp, progress=progress)
    click.echo(f"pushed {count} quads (version {dataset.version}) to {gsp or endpoint}")


@main.command("import-ods")
@click.option("--succ", "succ", required=True, metavar="FILE",
              help="The ODS successor file (succ.csv): which code succeeded which, on what date. Its fifth column, "
                   "the succession indicator (1, almost always, where the successor is succeeded in turn), is kept on each row, not used.")
@click.option("--etr", "etr", metavar="FILE",
              help="The ODS NHS trust file (etr.csv), a snapshot: each code's name as observed, its open and close dates, "
                   "national grouping, health geography (ICS), parent code, address, postcode and region letter.")
@click.option("--listing", "listing", metavar="FILE",
              help="A third listing of trust codes and names (trust-listing.csv, with a header row): each name an undated "
                   "statement of that listing, compared with etr.csv and matched against the documents' names.")
@click.option("-o", "--output", default="ods.nt", show_default=True, metavar="FILE",
              help="Where to write the RDF (N-Triples); add it to the graph with --data FILE.")
@click.option("--observed", metavar="DATE",
              help="The date the trust file's snapshot was taken (default: the latest date the file states).")
def import_ods(succ: str, etr: str | None, listing: str | None, output: str, observed: str | None) -> None:
    """Turn NHS ODS registry files into RDF under the derbygraph ontology, every fact citing the row
    (file and line) it comes from."""
    from derbygraph.registry import import_files

    click.echo(import_files(Path(succ), Path(etr) if etr else None, Path(output), observed=observed,
                            listing=Path(listing) if listing else None))


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--own-port", type=click.IntRange(1, 65535), metavar="PORT",
              help="The one TCP port the program may connect to: Virtuoso connects to its own SQL port "
                   "(ServerPort in [Parameters]) once at start. Needs Linux 6.7 or later (Landlock).")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def walled(command: tuple[str, ...], own_port: int | None) -> None:
    """Run a store's server (oxigraph, virtuoso-t) unable to reach the network: it still listens
    and answers, but its SERVICE (or anything else in it) connects nowhere. Put `--` before it:
    `derbygraph walled -- oxigraph serve-read-only --location DIR --bind 127.0.0.1:7878`."""
    from derbygraph.store.walled import run

    run(list(command), own_port)
