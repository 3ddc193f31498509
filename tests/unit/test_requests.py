import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.test import RequestFactory

from live.requests import CountRequestsInFlight, requests_in_flight


def test_requests_are_counted_while_they_are_served_and_not_after():
    seen = []

    def view(request):
        seen.append(requests_in_flight())
        if request.GET.get("fail"):
            raise RuntimeError("the view failed")
        return HttpResponse("ok")

    counted = CountRequestsInFlight(view)
    outer = CountRequestsInFlight(lambda request: counted(request))  # a request within a request: two
    assert outer(RequestFactory().get("/")).status_code == 200
    with pytest.raises(RuntimeError):
        counted(RequestFactory().get("/?fail=1"))
    assert seen == [2, 1]
    assert requests_in_flight() == 0


@pytest.mark.asyncio
async def test_on_the_async_path_requests_are_counted_without_leaving_the_loop():
    seen = []

    async def view(request):
        seen.append(requests_in_flight())
        return HttpResponse("ok")

    counted = CountRequestsInFlight(view)
    assert iscoroutinefunction(counted)
    assert (await counted(RequestFactory().get("/"))).status_code == 200
    assert seen == [1] and requests_in_flight() == 0
