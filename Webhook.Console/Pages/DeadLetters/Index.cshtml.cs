using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Webhook.Console.DeadLetters;
using Webhook.Console.Endpoints;
using Webhook.Console.Options;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.Pages.DeadLetters;

/// <summary>The dead letters: a page of them, replays of those selected or of a filter (run in the background, with progress).</summary>
public sealed class DeadLettersModel(IDeadLetters deadLetters, ReplayJobs replays, IOptions<ConsoleOptions> options) : PageModel
{
    public DeadLetterPage? Letters { get; private set; }

    public string? Problem { get; private set; }

    public ReplayJob? Running => replays.Running;

    public double DefaultRate => options.Value.ReplayRate;

    public async Task OnGetAsync(int? offset, CancellationToken cancellationToken)
    {
        try
        {
            Letters = await deadLetters.ListAsync(Math.Max(0, offset ?? 0), DeadLetterEndpoints.DefaultLimit, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Problem = ex.Message;
        }
    }

    public Task<IActionResult> OnPostReplaySelectedAsync([FromForm] Guid[]? eventId, [FromForm] string? rate, CancellationToken cancellationToken) =>
        StartAsync(new DeadLetterQuery(null, eventId is { Length: > 0 } ? eventId : null, null, null, null, null), rate, cancellationToken);

    public Task<IActionResult> OnPostReplayFilteredAsync([FromForm] bool? all, [FromForm] string? eventType, [FromForm] string? emailId,
        [FromForm] string? failedAfter, [FromForm] string? failedBefore, [FromForm] string? rate, CancellationToken cancellationToken)
    {
        if (!TryTime(failedAfter, out var after) || !TryTime(failedBefore, out var before))
            return FailAsync("A time is not a date and time (UTC).", cancellationToken);
        return StartAsync(new DeadLetterQuery(all, null, eventType, emailId, before, after), rate, cancellationToken);
    }

    async Task<IActionResult> StartAsync(DeadLetterQuery query, string? rate, CancellationToken cancellationToken)
    {
        var errors = query.Validate(out var selection);
        var eventsPerSecond = options.Value.ReplayRate;
        if (!string.IsNullOrWhiteSpace(rate) && (!double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out eventsPerSecond) || eventsPerSecond is < 0.1 or > 10_000))
            errors["rate"] = ["The rate must be between 0.1 and 10000 events per second."];
        if (errors.Count > 0)
            return await FailAsync(string.Join(" ", errors.Values.SelectMany(e => e)), cancellationToken);
        int? expected = null;
        try
        {
            expected = (await deadLetters.ListAsync(0, 1, cancellationToken)).Total;
        }
        catch (BrokerUnavailableException ex)
        {
            return await FailAsync(ex.Message, cancellationToken);
        }
        var job = replays.Start(selection, eventsPerSecond, expected);
        if (job is null)
            return await FailAsync("A replay is running already: wait for it to finish.", cancellationToken);
        return RedirectToPage("/DeadLetters/Replay", new { id = job.Id });
    }

    async Task<IActionResult> FailAsync(string problem, CancellationToken cancellationToken)
    {
        await OnGetAsync(0, cancellationToken);
        Problem = problem;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>An input of type datetime-local: no zone, read as UTC.</summary>
    public static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        time = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }
}
