"""WhiteNoise on the async path too.

Under Daphne, Django runs its middleware on the event loop as long as each one can, and hops to a thread only
for a middleware that cannot and for the view. WhiteNoise's middleware is sync-only: placed near the top, every
request (an editor's goal, a fan's page) went from the loop to a thread for it, back to the loop for the
middleware below, to a thread for the view, and back up the same way. Each hop waits for the loop's thread,
which a fan-out keeps busy. This middleware answers static files as WhiteNoise does and passes everything else
down without leaving the loop.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFiles(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs):
        super().__init__(get_response, *args, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.serve_async(request)
        return super().__call__(request)

    async def serve_async(self, request):
        if self.autorefresh:  # looks on disk (DEBUG): off the loop
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)  # opens the file
        return await self.get_response(request)
