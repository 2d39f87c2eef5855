"""The README's "A first session", through a Python client that openapi-python-client generated
from the server's live OpenAPI document.

Run by tests/client/main.rs with the generated package `arca_client` on PYTHONPATH:

    first_session.py BASE_URL API_KEY

Every call goes through the generated functions and models. The first thing that is not as the
README says raises, so the script exits non-zero with a traceback that tells which step failed.
"""

import datetime
import enum
import inspect
import sys
import time
import typing

import httpx

from arca_client import AuthenticatedClient
from arca_client.api.invoices import get_invoice, list_invoice_events, list_invoices, request_invoice
from arca_client.api.taxpayers import add_point_of_sale, register_taxpayer
from arca_client.models import (
    AddPointOfSale,
    InvoiceAccepted,
    InvoiceEvents,
    InvoicePage,
    InvoiceView,
    Problem,
    RegisterTaxpayer,
    RequestInvoiceBody,
    TaxpayerView,
)

CUIT = "20267565393"
# Issue dates are Argentina's (UTC-3 all year).
ARGENTINA = datetime.timezone(datetime.timedelta(hours=-3))
# How long an invoice may take to reach ARCA (the simulator) and come back authorized.
AUTHORIZATION_WITHIN = 30.0

# The receiver of a Factura B to an unidentified final consumer.
CONSUMER = {"document_type": 99, "document_number": "0", "iva_condition": 5}
# A responsable inscripto whose CUIT's check digit is wrong.
WRONG_CUIT = {"document_type": 80, "document_number": "20123456789", "iva_condition": 1}


def request_body(voucher_type, receiver, description, quantity, unit_price):
    """A request like the README's: one item at 21 %, from the issuer's point of sale 1."""
    return RequestInvoiceBody.from_dict(
        {
            "issuer_cuit": CUIT,
            "point_of_sale": 1,
            "voucher_type": voucher_type,
            "concept": 1,
            "receiver": receiver,
            "currency": "PES",
            "items": [
                {
                    "description": description,
                    "quantity": quantity,
                    "unit_price": unit_price,
                    "iva_rate": "21",
                }
            ],
        }
    )


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def wire(value):
    """A value as it travels: an enum the document declares reads as its value."""
    return value.value if isinstance(value, enum.Enum) else value


def typed(endpoint, **values):
    """Query arguments as `endpoint` declares them: a value of an enum the document declares
    becomes that enum, so the calls keep working whether a parameter is a string or an enum."""
    parameters = inspect.signature(endpoint.sync_detailed).parameters
    out = {}
    for name, value in values.items():
        declared = parameters[name].annotation
        kinds = typing.get_args(declared) or (declared,)
        enums = [k for k in kinds if isinstance(k, type) and issubclass(k, enum.Enum)]
        out[name] = enums[0](value) if enums else value
    return out


def field(item, name):
    """A field of a model, declared or not (an event is a free-form object in the document)."""
    return getattr(item, name) if hasattr(item, name) else item[name]


def expect_totals(totals, net, iva, total, what):
    got = (totals.net, totals.iva, totals.total)
    expect(got == (net, iva, total), f"{what}: net, iva, total {got}, not {(net, iva, total)}")


def expect_authorized(invoice, what):
    expect(wire(invoice.status) == "authorized", f"{what}: status {wire(invoice.status)}")
    expect(
        isinstance(invoice.cae, str) and len(invoice.cae) == 14 and invoice.cae.isdigit(),
        f"{what}: CAE {invoice.cae!r}",
    )
    expect(isinstance(invoice.qr_url, str) and invoice.qr_url, f"{what}: no QR URL")
    number = invoice.number
    expect(isinstance(number, int) and number >= 1, f"{what}: number {number}")


def answered(what, status, model, answer):
    """`answer`, once it is `status` parsed as the generated `model`."""
    expect(answer.status_code == status, f"{what}: {answer.status_code} {answer.content!r}")
    expect(isinstance(answer.parsed, model), f"{what}: parsed as {type(answer.parsed)}")
    return answer


def register_the_issuer(client):
    issuer = {"cuit": CUIT, "legal_name": "Demo SRL", "iva_condition": "responsable_inscripto"}
    body = RegisterTaxpayer.from_dict(issuer)
    answered("register", 201, TaxpayerView, register_taxpayer.sync_detailed(client=client, body=body))
    body = AddPointOfSale.from_dict({"number": 1, "name": "Casa central"})
    answer = add_point_of_sale.sync_detailed(CUIT, client=client, body=body)
    answered("point of sale", 201, TaxpayerView, answer)
    print("registered the issuer and point of sale 1")


def request_factura_b(client):
    body = request_body(6, CONSUMER, "Yerba mate 1kg", "2", "3500.00")
    answer = request_invoice.sync_detailed(client=client, body=body, idempotency_key="order-1001")
    accepted = answered("request", 202, InvoiceAccepted, answer).parsed
    expect(wire(accepted.status) == "requested", f"request: status {wire(accepted.status)}")
    expect(accepted.letter == "B", f"request: letter {accepted.letter}")
    expect_totals(accepted.totals, "7000.00", "1470.00", "8470.00", "request")

    again = request_invoice.sync_detailed(client=client, body=body, idempotency_key="order-1001")
    again = answered("retry", 202, InvoiceAccepted, again).parsed
    expect(again.id == accepted.id, "a retry with the same Idempotency-Key made another invoice")
    print(f"requested Factura B {accepted.id}: 202, total {accepted.totals.total}")
    return accepted.id, answer.headers["arca-position"]


def read_until_authorized(client, invoice_id, position):
    """Reads with `ARCA-Read-After` (the request's `ARCA-Position`), so the read model shows at
    least the request; until then a read may answer 404 `not_yet_visible`."""
    deadline = time.monotonic() + AUTHORIZATION_WITHIN
    while True:
        answer = get_invoice.sync_detailed(invoice_id, client=client, arca_read_after=position)
        if answer.status_code == 404:
            problem = answered("read", 404, Problem, answer).parsed
            expect(problem.code == "not_yet_visible", f"read: {problem.code}")
            status = "not yet visible"
        else:
            invoice = answered("read", 200, InvoiceView, answer).parsed
            status = wire(invoice.status)
            if status in ("authorized", "rejected"):
                break
        expect(time.monotonic() < deadline, f"still {status} after {AUTHORIZATION_WITHIN} s")
        time.sleep(0.2)
    expect_authorized(invoice, "read")
    expect_totals(invoice.totals, "7000.00", "1470.00", "8470.00", "read")
    expect(invoice.id == invoice_id, f"read: id {invoice.id}")
    print(f"read it back: authorized, CAE {invoice.cae}, number {invoice.number}")


def read_its_events(client, invoice_id):
    answer = list_invoice_events.sync_detailed(invoice_id, client=client)
    history = answered("events", 200, InvoiceEvents, answer).parsed
    types = [field(event, "event_type") for event in history.events]
    expect(types[:1] == ["invoice.requested"], f"events: first of {types}")
    expect("invoice.cae_granted" in types, f"events: no CAE among {types}")
    print(f"its events: {', '.join(types)}")


def request_and_wait(client):
    body = request_body(6, CONSUMER, "Mate", "1", "9000.00")
    answer = request_invoice.sync_detailed(client=client, body=body, prefer="wait=10")
    invoice = answered("wait=10", 201, InvoiceView, answer).parsed
    expect_authorized(invoice, "wait=10")
    expect_totals(invoice.totals, "9000.00", "1890.00", "10890.00", "wait=10")
    print(f"requested and waited: 201, CAE {invoice.cae}")
    return invoice.id


def list_authorized(client, ids):
    query = typed(list_invoices, status="authorized", limit=10)
    answer = list_invoices.sync_detailed(client=client, **query)
    page = answered("list", 200, InvoicePage, answer).parsed
    listed = [invoice.id for invoice in page.invoices]
    expect(set(listed) == set(ids), f"list: {listed}, not {ids}")
    expect(listed[0] == ids[-1], "list: not newest first")
    statuses = {wire(invoice.status) for invoice in page.invoices}
    expect(statuses == {"authorized"}, f"list: statuses {statuses}")
    print(f"listed {len(listed)} authorized invoices, newest first")


def read_analytics_of_this_month(client):
    """GraphQL is outside the OpenAPI document: the README's query goes through the generated
    client's own HTTP connection (same key), with this month's dates as the README computes them."""
    today = datetime.datetime.now(ARGENTINA).date()
    query = (
        "{ invoices(first: 5) { nodes { id status number cae qrUrl } } "
        f'analytics(from: "{today.replace(day=1)}", to: "{today}") '
        "{ approvalRate { rate } caeLatency { averageSeconds p95Seconds } } }"
    )
    answer = client.get_httpx_client().post("/graphql", json={"query": query})
    expect(answer.status_code == 200, f"graphql: {answer.status_code} {answer.text}")
    data = answer.json()
    expect("errors" not in data, f"graphql: {data}")
    nodes = data["data"]["invoices"]["nodes"]
    expect(len(nodes) == 2 and all(n["cae"] for n in nodes), f"graphql: {nodes}")
    print(f"GraphQL: approval rate {data['data']['analytics']['approvalRate']['rate']}")


def make_a_mistake(client):
    body = request_body(1, WRONG_CUIT, "Consultoría", "1", "1000.00")
    answer = request_invoice.sync_detailed(client=client, body=body)
    problem = answered("mistake", 422, Problem, answer).parsed
    expect(problem.code == "invalid_cuit", f"mistake: code {problem.code}")
    fields = [error.field for error in (problem.errors or [])]
    expect("receiver.document_number" in fields, f"mistake: field errors {fields}")
    print(f"a mistake: 422 {problem.code} on {', '.join(fields)}")


def main(base_url, api_key):
    client = AuthenticatedClient(
        base_url=base_url,
        token=api_key,
        timeout=httpx.Timeout(30.0),
        raise_on_unexpected_status=True,
    )
    with client:
        register_the_issuer(client)
        first, position = request_factura_b(client)
        read_until_authorized(client, first, position)
        read_its_events(client, first)
        second = request_and_wait(client)
        list_authorized(client, [first, second])
        read_analytics_of_this_month(client)
        make_a_mistake(client)
    print("the first session went as the README says")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
