using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Webhook.Console.DeadLetters;
using Webhook.Console.Options;
using Webhook.Console.Security;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.Endpoints;

/// <summary>
/// The operators' view of the dead-letter queue, under /api/dead-letters: list, show one, replay, purge. Every
/// request needs the operator's key (<c>Console:OperatorKey</c>) in the <c>X-Api-Key</c> header. Answers are JSON, or
/// readable text for a client that asks for <c>text/plain</c> (deploy/dlq.sh does), so that a shell with curl is all
/// an operator needs.
/// </summary>
public static class DeadLetterEndpoints
{
    public const string Route = "/api/dead-letters";
    public const string ApiKeyHeader = ConsoleKeys.Header;
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxEventIds = 1000;

    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Dead letters").RequireAuthorization(ConsoleRoles.ApiOperations);
        group.MapGet("/", ListAsync).WithName("ListDeadLetters").WithSummary("A page of the dead letters, in queue order, left in place.");
        group.MapGet("/{eventId:guid}", ShowAsync).WithName("ShowDeadLetter").WithSummary("One dead letter, whole, left in place.");
        group.MapPost("/replay", ReplayAsync).WithName("ReplayDeadLetters").WithSummary("Sends the selected dead letters back to be processed, at most rate per second.");
        group.MapDelete("/", PurgeAsync).WithName("PurgeDeadLetters").WithSummary("Deletes the selected dead letters for good.");
        return app;
    }

    public static async Task<Results<Ok<DeadLetterList>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> ListAsync(
        [FromQuery] int? limit, [FromQuery] int? offset, IDeadLetters deadLetters, HttpContext http, CancellationToken cancellationToken)
    {
        var take = limit ?? DefaultLimit;
        var skip = offset ?? 0;
        var errors = new Dictionary<string, string[]>();
        if (take is < 1 or > MaxLimit)
            errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        if (skip < 0)
            errors["offset"] = ["offset must not be negative."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        DeadLetterPage page;
        try
        {
            page = await deadLetters.ListAsync(skip, take, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            return Unavailable(ex);
        }
        if (WantsText(http.Request))
            return Text(DeadLetterText.Page(page));
        return TypedResults.Ok(new DeadLetterList(page.Total, page.Offset, page.Items.Count, page.Items.Select(DeadLetterSummary.Of).ToArray()));
    }

    public static async Task<Results<Ok<DeadLetter>, ContentHttpResult, ProblemHttpResult>> ShowAsync(
        Guid eventId, IDeadLetters deadLetters, HttpContext http, CancellationToken cancellationToken)
    {
        DeadLetter? letter;
        try
        {
            letter = await deadLetters.FindAsync(eventId, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            return Unavailable(ex);
        }
        if (letter is null)
            return TypedResults.Problem(title: "Not in the dead-letter queue", detail: $"No dead letter holds event {eventId}.", statusCode: StatusCodes.Status404NotFound);
        return WantsText(http.Request) ? Text(DeadLetterText.Details(letter)) : TypedResults.Ok(letter);
    }

    public static async Task<Results<Ok<ReplayResult>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        [AsParameters] DeadLetterQuery query, [FromQuery] double? rate, IDeadLetters deadLetters, IOptions<ConsoleOptions> options, HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = query.Validate(out var selection);
        var eventsPerSecond = rate ?? options.Value.ReplayRate;
        if (eventsPerSecond is < 0.1 or > 10_000 || double.IsNaN(eventsPerSecond))
            errors["rate"] = ["rate (events per second) must be between 0.1 and 10000."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        ReplayResult result;
        try
        {
            result = await deadLetters.ReplayAsync(selection, eventsPerSecond, progress: null, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            return Unavailable(ex);
        }
        if (result.Failure is not null)
        {
            return TypedResults.Problem(title: "Replay stopped",
                detail: $"{result.Replayed} of {result.Examined} dead letters examined were replayed before it stopped: {result.Failure} Every event not replayed is still in the dead-letter queue.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?> { ["examined"] = result.Examined, ["replayed"] = result.Replayed });
        }
        return WantsText(http.Request)
            ? Text($"Replayed {result.Replayed} of {result.Examined} dead letters examined (at most {eventsPerSecond:0.##} events/s).\n")
            : TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<PurgeResult>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> PurgeAsync(
        [AsParameters] DeadLetterQuery query, IDeadLetters deadLetters, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = query.Validate(out var selection);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        PurgeResult result;
        try
        {
            result = await deadLetters.PurgeAsync(selection, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            return Unavailable(ex);
        }
        return WantsText(http.Request)
            ? Text($"Purged {result.Purged} of {result.Examined} dead letters examined.\n")
            : TypedResults.Ok(result);
    }

    /// <summary>The operators' queues cannot be read (the broker, or the node of the queue, is down); the detail names the queue.</summary>
    public static ProblemHttpResult Unavailable(BrokerUnavailableException ex) =>
        TypedResults.Problem(title: "Broker unavailable", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>True when the client prefers text/plain to JSON.</summary>
    public static bool WantsText(HttpRequest request) =>
        request.GetTypedHeaders().Accept.OrderByDescending(a => a.Quality ?? 1).FirstOrDefault() is { } preferred
        && preferred.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase);

    public static ContentHttpResult Text(string text) => TypedResults.Text(text, "text/plain", Encoding.UTF8);
}

/// <summary>
/// Which dead letters a replay or a purge applies to, from the query string: <c>all=true</c>, or any of the filters
/// (every one given must match): <c>eventId</c> (repeatable), <c>eventType</c>, <c>emailId</c>, <c>failedAfter</c>,
/// <c>failedBefore</c> (ISO 8601; the last failure's time).
/// </summary>
public sealed record DeadLetterQuery(
    [FromQuery] bool? All,
    [FromQuery] Guid[]? EventId,
    [FromQuery] string? EventType,
    [FromQuery] string? EmailId,
    [FromQuery] DateTimeOffset? FailedBefore,
    [FromQuery] DateTimeOffset? FailedAfter)
{
    /// <summary>
    /// Errors keyed by parameter; none means <paramref name="selection"/> is usable. Naming nothing is an error rather
    /// than "everything": replaying or deleting the whole queue has to be asked for with all=true.
    /// </summary>
    public Dictionary<string, string[]> Validate(out DeadLetterSelection selection)
    {
        selection = new DeadLetterSelection
        {
            All = All == true,
            EventIds = EventId ?? [],
            EventType = string.IsNullOrWhiteSpace(EventType) ? null : EventType.Trim(),
            EmailId = string.IsNullOrWhiteSpace(EmailId) ? null : EmailId.Trim(),
            FailedBefore = FailedBefore,
            FailedAfter = FailedAfter,
        };
        var errors = new Dictionary<string, string[]>();
        if (!selection.All && !selection.HasFilter)
            errors["all"] = ["Name the dead letters: all=true, or at least one of eventId, eventType, emailId, failedAfter, failedBefore."];
        if (selection.All && selection.HasFilter)
            errors["all"] = ["all=true cannot be combined with filters."];
        if (selection.EventIds.Count > DeadLetterEndpoints.MaxEventIds)
            errors["eventId"] = [$"At most {DeadLetterEndpoints.MaxEventIds} event ids at once."];
        if (FailedAfter >= FailedBefore)
            errors["failedAfter"] = ["failedAfter must be earlier than failedBefore."];
        return errors;
    }
}

/// <summary>A page of the dead-letter queue, in queue order.</summary>
/// <param name="Total">Dead letters waiting in the queue.</param>
public sealed record DeadLetterList(int Total, int Offset, int Count, DeadLetterSummary[] Items);

/// <summary>A dead letter in a list: what it is, why it failed, how often and when.</summary>
public sealed record DeadLetterSummary(
    Guid? EventId, string? EventType, string? EmailId, string? Provider, string Reason, string FailedIn,
    int? Attempts, int Replays, DateTimeOffset? FirstFailedAt, DateTimeOffset? LastFailedAt)
{
    public static DeadLetterSummary Of(DeadLetter letter) => new(letter.EventId, letter.EventType, letter.EmailId, letter.Provider,
        letter.Reason, letter.FailedIn, letter.Attempts, letter.Replays, letter.FirstFailedAt, letter.LastFailedAt);
}
