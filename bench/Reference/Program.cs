// The plain Kestrel long-poll chat every bench figure is divided by: the seed protocol the straightforward
// way (a lock, a List<string>, one TaskCompletionSource per held request, Results.Text). Deliberately untuned:
// default builder, default Kestrel and GC settings, a fresh string response per waiter.
using Chat.Bench.Reference;

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
var pollTimeout = TimeSpan.FromSeconds(app.Configuration.GetValue("PollTimeoutSeconds", 30.0));
var log = new MessageLog();

app.MapPost("/chat/post", async (HttpRequest request) =>
{
    var form = await request.ReadFormAsync();
    log.Post(form["message"].ToString());
    return Results.Ok();
});

app.MapGet("/chat/get/{n:int}", async (int n, HttpContext context) =>
{
    var (text, waiter) = log.Get(n);
    if (text is not null)
        return Results.Text(text);
    if (waiter is null)
        return Results.NotFound();
    try
    {
        return Results.Text(await waiter.Task.WaitAsync(pollTimeout, context.RequestAborted));
    }
    catch (TimeoutException)
    {
        return Results.NoContent();
    }
    catch (OperationCanceledException)
    {
        return Results.Empty; // the client hung up; nobody reads this
    }
    finally
    {
        log.Forget(waiter);
    }
});

app.Run();
