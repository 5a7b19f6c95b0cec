"""The `derbygraph` command: argument parsing and printing, nothing else.

Every command reads the same Dataset the server serves: the built-in graph (plus --data
files) built in memory, or a store written by `derbygraph build --store DIR`.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from derbygraph import __version__
from derbygraph.store import formats

from .config import DEFAULT

DEFAULT_STORE = "derbygraph-store"


def fail(message: str) -> None:
    """One clear line on stderr and exit 1: never a traceback."""
    click.echo(f"derbygraph: {message}", err=True)
    sys.exit(1)


def progress(message: str) -> None:
    click.echo(f"  {message}", err=True)


def open_dataset(data: tuple[str, ...], store: str | None, quiet: bool = True):
    from derbygraph.build import build_dataset
    from derbygraph.store.dataset import Dataset

    if store:
        if data:
            fail("give either --store (a built store) or --data (files to add), not both")
        return Dataset.open(Path(store))
    return build_dataset([Path(p) for p in data], progress=None if quiet else progress)


def open_remote(endpoint: str, timeout: float = 30.0):
    """A dataset served by a remote SPARQL store that `derbygraph push` filled."""
    from derbygraph.store.dataset import Dataset
    from derbygraph.store.remote import RemoteStore

    dataset = Dataset(RemoteStore(endpoint, timeout))
    if dataset.version == "unknown":
        fail(f"{endpoint}: holds no derbygraph dataset (load one with `derbygraph push --endpoint ...`)")
    return dataset


data_option = click.option("--data", "data", multiple=True, metavar="PATH",
                           help="RDF file or folder to add to the built-in graph (repeatable).")
store_option = click.option("--store", metavar="DIR", help="Use a store written by `derbygraph build`.")


class Commands(click.Group):
    """The commands, with the one place a user's error becomes one line and exit 1."""

    def invoke(self, ctx):
        from .errors import UserError

        try:
            return super().invoke(ctx)
        except UserError as error:
            suggestions = getattr(error, "suggestions", None)
            fail(f"{error}; did you mean: {', '.join(suggestions)}" if suggestions else str(error))


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derbygraph")
def main() -> None:
    """derbygraph: NHS organisational history as linked data."""


@main.command()
@data_option
@click.option("--store", default=DEFAULT_STORE, show_default=True, metavar="DIR", help="Where to write the store.")
def build(data: tuple[str, ...], store: str) -> None:
    """Load ontology + data (+ extra files), validate, infer, write a persistent store."""
    from derbygraph.build import DataProblems, SourceError, write_store
    from derbygraph.store.dataset import StoreError

    click.echo(f"derbygraph build: {store}", err=True)
    try:
        dataset = write_store(Path(store), [Path(p) for p in data], progress=progress)
    except StoreError as error:
        fail(str(error))
    except SourceError as error:
        fail(f"{error} (the store at {store} was left as it was)")
    except DataProblems as error:
        from derbygraph.build.checks import summary

        for line in summary(error.problems):
            click.echo(line, err=True)
        fail(f"{error}; the store at {store} was left as it was")
    except OSError as error:
        fail(f"{store}: cannot write the store: {error.strerror or error} (the previous store was left as it was)")
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
        fail(f"{sources}: no such folder")
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
@click.argument("query", required=False)
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]))
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A canned query's parameter.")
@click.option("--list", "list_canned", is_flag=True, help="List the canned queries, a line each.")
@data_option
@store_option
def query(query: str | None, fmt: str, params: tuple[str, ...], list_canned: bool, data, store) -> None:
    """Run SPARQL (text, a .rq file, or a canned query's name) against the served graph."""
    from derbygraph.answers import canned as queries
    from derbygraph.store import sandbox
    from derbygraph.store.executor import InProcessExecutor, WorkerPool

    if list_canned:
        for canned in queries.catalogue().values():
            click.echo(f"{canned.name:32} {canned.title}")
        return
    if not query:
        fail("give a query, a .rq file or a canned query's name (`derbygraph query --list` lists them)")
    dataset = open_dataset(data, store)
    canned = queries.catalogue().get(query)
    text = canned.text if canned else None
    if text is None and query.endswith((".rq", ".sparql")):
        try:
            text = Path(query).read_text(encoding="utf-8")
        except OSError as error:
            fail(f"{query}: {error.strerror or error}")
    text = text or query
    values = {}
    for param in params:
        name, sep, value = param.partition("=")
        if not sep:
            fail(f"--param {param!r}: write it as NAME=VALUE")
        values[name] = value
    if values and not canned:
        fail("--param works with canned queries; see `derbygraph query --help`")
    if canned:
        text = canned.render(dataset, values)
    # A store on disk is queried as the server queries it: one sandboxed worker, time limit.
    # A graph built here is queried here, once this process has shut itself off the network.
    if dataset.path:
        executor = WorkerPool(dataset.path, DEFAULT.replace(workers=1))
    else:
        sandbox.deny_network()
        executor = InProcessExecutor(dataset, DEFAULT)
    try:
        if fmt == "table":  # TSV for solutions (drawn as a table), Turtle for graphs
            reply = executor.run(text, accept="text/tab-separated-values, text/turtle")
        else:
            reply = executor.run(text, format_name=fmt)
        answer, body = reply.answer, reply.read()
    finally:
        executor.close()
    if fmt == "table" and answer.form != "graph":
        click.echo(_table(body.decode("utf-8")))
    else:
        sys.stdout.buffer.write(body if body.endswith(b"\n") or not body else body + b"\n")
    if answer.truncated:
        limit = f"{DEFAULT.max_rows} rows" if answer.truncated == "rows" else f"{DEFAULT.max_answer_bytes >> 20} MiB"
        click.echo(f"derbygraph: result cut at {answer.rows} rows (the limit is {limit})", err=True)


def _table(tsv: str) -> str:
    """A plain-text table from SPARQL TSV results, IRIs shortened with the usual prefixes."""
    from .vocab import shorten

    def short(cell: str) -> str:
        if cell.startswith("<") and cell.endswith(">"):
            return shorten(cell[1:-1])
        if cell.startswith('"'):
            return json.loads(cell[: cell.rindex('"') + 1]) if '"' in cell[1:] else cell
        return cell

    lines = [line.split("\t") for line in tsv.rstrip("\n").split("\n")]
    if len(lines[0]) == 1 and lines[0][0] in ("true", "false"):
        return lines[0][0]
    rows = [[c.lstrip("?") for c in lines[0]]] + [[short(c) for c in line] for line in lines[1:]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = [" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    out.insert(1, "-+-".join("-" * w for w in widths))
    out.append(f"({len(rows) - 1} row{'s' if len(rows) != 2 else ''})")
    return "\n".join(out)


@main.command()
@click.argument("name")
@click.option("--at", metavar="DATE", help="What it was called then: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what /api/lineage returns.")
@data_option
@store_option
def lineage(name: str, at: str | None, as_json: bool, data, store) -> None:
    """The lineage of an organisation: its names, events, predecessors and successors."""
    from derbygraph.answers.lineage import LineageService
    from derbygraph.answers.names import choose_lineage

    dataset = open_dataset(data, store)
    service = LineageService(dataset)
    answer = service.lineage(name, at)
    choice = choose_lineage(service, name)
    if choice.best is not None and not choice.exact:  # a rough match: say which, and why, on stderr
        click.echo(choice.reason(), err=True)
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
        return
    click.echo(_lineage_text(answer))


@main.command()
@click.argument("s")
@click.argument("p")
@click.argument("o")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what /api/why returns.")
@data_option
@store_option
def why(s: str, p: str, o: str, as_json: bool, data, store) -> None:
    """The quotes (and registry rows) the statement S P O rests on; O an IRI or an N-Triples literal."""
    from derbygraph.answers.why import WhyService

    dataset = open_dataset(data, store)
    answer = WhyService(dataset).why(s, p, o)
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False) if as_json else _why_text(answer))


def _why_text(answer: dict, depth: int = 0) -> str:
    pad = "  " * depth
    st = answer["statement"]
    lines = [f"{pad}{st['s']}  {st['p']}  {st['o']}",
             f"{pad}  {'asserted' if answer['asserted'] else 'inferred'}; basis: {answer['basis']}"
             + (f", written in {answer['definedIn']}" if answer.get("definedIn") else "")]
    for source in answer["sources"]:
        where = f", line {source['line']}" if source.get("line") else ""
        lines.append(f"{pad}  “{source['quote']}” ({source['title']}{where})")
    if "derivedFrom" in answer:
        lines.append(f"{pad}  derived from:")
        lines += [_why_text(premise, depth + 2) for premise in answer["derivedFrom"]]
    return "\n".join(lines)


def _lineage_text(answer: dict) -> str:
    org = answer["organisation"]
    lines = [f"{org['label']}  <{org['iri']}>"]
    if answer["at"]:
        lines.append(f"as of {answer['at']}")
    lines.append("\nNames")
    for name in answer["names"]:
        when = f"{'undated, as listed':>23}" if name.get("listed") else f"{name['start'] or '?':>10} – {name['end'] or 'now':<10}"
        lines.append(f"  {when}  {name['label']}")
        if (name.get("listed") or {}).get("disagrees"):
            lines.append(f"{'':27}the sources disagree: {name['listed']['disagrees']['said']}")
    lines.append("\nEvents")
    for event in answer["events"]:
        lines.append(f"  {event['date'] or 'undated':>10}  {event['type']}: {event['label']}")
        for source in event["sources"]:
            lines.append(f"{'':14}“{source['quote']}” ({source['title']})")
    for key, heading in (("predecessors", "Predecessors"), ("successors", "Successors"),
                         ("transfers", "Services transferred (not predecessors or successors)")):
        if answer.get(key):
            lines.append(f"\n{heading}")
            for link in answer[key]:
                said = (f"{', '.join(link['services'])} {link['direction']} {link['label']}" if key == "transfers"
                        else f"{link['label']} ({link['relation']})")
                lines.append(f"  {link['date'] or '':>10}  {said}")
                if link.get("candidates"):
                    maybe = " or ".join(f"{c.get('code') or c['iri']} ({c['confidence']:.0%})" for c in link["candidates"])
                    lines.append(f"{'':14}may be {maybe}: a proposal, not a link")
    proposals = (answer.get("reconciliation") or {}).get("candidates", [])
    if proposals:
        lines.append("\nProposed links to the registry (not asserted)")
        for proposal in proposals:
            lines.append(f"  {proposal['label']} ({proposal['confidence']:.0%})")
            lines += [f"{'':14}“{s['quote']}” ({s['title']}{', line ' + str(s['line']) if s.get('line') else ''})"
                      for s in proposal["sources"]]
    return "\n".join(lines)


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
        try:
            with open(output, "wb") as stream:
                dump(dataset, fmt, asserted, stream)
        except OSError as error:
            fail(f"{output}: {error.strerror or error}")
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
@click.option("--sources", "sources_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Folder of the source documents: source pages show their text, quoted spans marked.")
@click.option("--base-url", metavar="URL", help="The public address (behind a proxy) for links, redirects and "
              "VoID; by default the address bound. The Host header is never used.")
def serve(host: str, port: int, data, store, endpoint, workers: int, query_timeout: float, answer_timeout: float,
          client_share: int | None, trusted_proxy: str | None, worker_memory: int,
          queue: int, sources_dir: str | None, base_url: str | None) -> None:
    """The web app (SPARQL endpoint, lineage, linked data) on a production WSGI server."""
    from derbygraph.store.dataset import Dataset
    from derbygraph.web.server import bind, run, scratch_store, stopping_cleanly

    if sum(map(bool, (store, data, endpoint))) > 1:
        fail("give one of --store (a built store), --data (files to add) or --endpoint (a remote store)")
    if sources_dir and not Path(sources_dir).is_dir():
        fail(f"{sources_dir}: no such folder")
    if base_url and not base_url.startswith(("http://", "https://")):
        fail(f"--base-url {base_url!r}: give an http:// or https:// address")
    config = DEFAULT.replace(workers=workers, timeout=query_timeout, answer_timeout=answer_timeout,
                             client_share=client_share, trusted_proxy=trusted_proxy,
                             worker_memory=worker_memory << 20, queue=queue,
                             sources_dir=sources_dir,
                             base_url=base_url.rstrip("/") if base_url else None)
    try:
        listener = bind(host, port)
    except OSError as error:
        fail(f"cannot serve on {host}:{port}: {error.strerror or error}")
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

    try:
        summary = import_files(Path(succ), Path(etr) if etr else None, Path(output), observed=observed,
                               listing=Path(listing) if listing else None)
    except OSError as error:
        fail(f"{error.filename or output}: {error.strerror or error}")
    click.echo(summary)


def _once(ctx, param, values: tuple) -> str | None:
    """An option that takes one value: given twice, it is refused rather than the last one kept."""
    if len(values) > 1:
        fail(f"give --{param.name} once (it was given {len(values)} times: {', '.join(values)})")
    return values[0] if values else None


@main.command()
@click.option("--to", "to", metavar="DATE", multiple=True, callback=_once,
              help="The date whose codes to map onto (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--kind", metavar="KIND", multiple=True, callback=_once, help="Only codes of this kind (trust, pct, ccg, site...).")
@click.option("--code", metavar="CODE", multiple=True, callback=_once, help="Only this code.")
@click.option("--became", metavar="CODE", multiple=True, callback=_once,
              help="The reverse: every code that had become CODE by --to.")
@click.option("--edges", is_flag=True, help="Every succession as one row: predecessor, successor, date, change, rows.")
@click.option("--input", "input_file", metavar="FILE", help="Map the codes of this CSV, row by row, keeping its columns.")
@click.option("--code-column", metavar="C", help="With --input: the column holding the codes.")
@click.option("--date-column", metavar="D", help="With --input: the column holding each row's date.")
@click.option("--splits", default=("all",), show_default=True, metavar="all|equal|weights=FILE", multiple=True,
              callback=_once,
              help="How a code that splits is counted: every target without a share, equal shares, or "
                   "shares from a CSV of code,weight.")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE instead of standard output (a CSV gets its CSVW metadata beside it, FILE-metadata.json).")
@data_option
@store_option
def crosswalk(to, kind, code, became, edges, input_file, code_column, date_column, splits, output_format, output,
              data, store) -> None:
    """Map registry codes onto the codes in force on a date (add the registry with --data ods.nt)."""
    from derbygraph.answers.crosswalk import (
        CrosswalkService,
        SplitPolicy,
        crosswalk_table,
        edge_table,
        map_csv,
        metadata_name,
    )

    if not edges and not to:
        fail("give the date to map onto with --to DATE (or --edges for the table of successions)")
    if input_file and not code_column:
        fail("--input needs --code-column, the column holding the codes")
    policy = SplitPolicy.parse(splits, read_file=_read_text)
    service = CrosswalkService(open_dataset(data, store))
    if edges:
        table = edge_table(service.edges())
    elif input_file:
        table = map_csv(service, _read_text(input_file), to, code_column, date_column, policy,
                        filename=Path(output or input_file).name)
    else:
        answer = service.crosswalk(to, code=code, kind=kind, splits=policy, became=became)
        if output_format == "json":
            return _write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n", output)
        table = crosswalk_table(answer)
    _write(table.csv(), output)
    if output:
        metadata = table.metadata(service.citation(), url=Path(output).name)
        _write(json.dumps(metadata, ensure_ascii=False, indent=1) + "\n", metadata_name(output))


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        fail(f"{path}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")


def _write(text: str, output: str | None) -> None:
    if not output:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        fail(f"{output}: {error.strerror or error}")


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


if __name__ == "__main__":
    main()
