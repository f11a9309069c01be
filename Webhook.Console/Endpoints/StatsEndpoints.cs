using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Webhook.Console.Security;
using Webhook.Console.Stats;
using Webhook.Storage;

namespace Webhook.Console.Endpoints;

/// <summary>
/// The analysts' statistics under /api/stats: per day, per email, the top emails. Analysts and operators, with their
/// key in X-Api-Key. Bad input is a 400 ProblemDetails naming the parameter; an email never counted, 404.
/// </summary>
public static class StatsEndpoints
{
    public const string Route = "/api/stats";
    public const int DefaultEventsPerPage = 50;
    public const int MaxEventsPerPage = 1000;
    public const int DefaultTop = 10;
    public const int MaxTop = 100;

    /// <summary>The <c>by</c> of the top list, the event type it counts, and the counter of the totals that ranks it.</summary>
    public static readonly IReadOnlyDictionary<string, (string EventType, string Counter)> TopBy = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase)
    {
        ["opens"] = (Contracts.EmailEventTypes.Opened, StatsTables.CounterAttributes.Opens),
        ["clicks"] = (Contracts.EmailEventTypes.Clicked, StatsTables.CounterAttributes.Clicks),
        ["spam"] = (Contracts.EmailEventTypes.Spam, StatsTables.CounterAttributes.SpamReports),
    };

    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Statistics").RequireAuthorization(ConsoleRoles.ApiStatistics);
        group.MapGet("/daily", DailyAsync).WithName("DailyCounts")
            .WithSummary("Per day (UTC), the count of each event type that occurred, over at most 366 days.");
        // Email ids may hold any printable character, '/' included: the id is the rest of the path.
        group.MapGet("/emails/{**emailId}", EmailAsync).WithName("EmailStatistics")
            .WithSummary("One email's totals, and its events in time order, a page at a time.");
        group.MapGet("/top", TopAsync).WithName("TopEmails")
            .WithSummary("The emails with the most opens, clicks or spam reports that occurred in the range.");
        return app;
    }

    public static async Task<Results<Ok<DailyCounts>, ValidationProblem>> DailyAsync(
        [FromQuery] string? from, [FromQuery] string? to, StatisticsReader reader, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (DateRange.Parse(from, to, Today(time), errors) is not { } range)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await reader.DailyAsync(range.From, range.To, cancellationToken));
    }

    public static async Task<Results<Ok<EmailStatisticsPage>, ValidationProblem, ProblemHttpResult>> EmailAsync(
        string? emailId, [FromQuery] int? limit, [FromQuery] string? page, StatisticsReader reader, CancellationToken cancellationToken)
    {
        emailId = EmailIdOf(emailId);
        var errors = new Dictionary<string, string[]>();
        var take = limit ?? DefaultEventsPerPage;
        if (take is < 1 or > MaxEventsPerPage)
            errors["limit"] = [$"limit must be between 1 and {MaxEventsPerPage}."];
        if (!EventPage.TryParse(page, out var start))
            errors["page"] = ["page must be a token from the next field of an earlier answer."];
        if (!IsEmailId(emailId))
            errors["emailId"] = [$"emailId must be 1 to {Contracts.EmailEventReceived.MaxEmailIdLength} characters."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var statistics = await reader.EmailAsync(emailId, take, start, cancellationToken);
        if (statistics is null)
            return TypedResults.Problem(title: "Unknown email", detail: "No event of this email has been counted.", statusCode: StatusCodes.Status404NotFound);
        return TypedResults.Ok(EmailStatisticsPage.Of(statistics));
    }

    public static async Task<Results<Ok<TopEmails>, ValidationProblem>> TopAsync(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? by, [FromQuery] int? limit,
        StatisticsReader reader, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var range = DateRange.Parse(from, to, Today(time), errors);
        var take = limit ?? DefaultTop;
        if (take is < 1 or > MaxTop)
            errors["limit"] = [$"limit must be between 1 and {MaxTop}."];
        var known = TopBy.TryGetValue(by ?? "opens", out var ranking);
        if (!known)
            errors["by"] = ["by must be opens, clicks or spam."];
        if (errors.Count > 0 || range is not { } r)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await reader.TopAsync(r.From, r.To, ranking.EventType, ranking.Counter, take, cancellationToken));
    }

    /// <summary>
    /// The email id of a path: the server decodes every escape of a path but %2F, so a client that escaped a '/' in the
    /// id gets it back as one.
    /// </summary>
    /// <remarks>Null, as a path that ends at /emails/ gives, is the empty id.</remarks>
    public static string EmailIdOf(string? path) => (path ?? "").Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether an id can be an email's: 1 to as many characters as the intake takes. A longer one is refused before
    /// DynamoDB is asked, which refuses a key over 2,048 bytes as an error of its own, not as an unknown email.
    /// </summary>
    public static bool IsEmailId(string emailId) => emailId.Length is > 0 and <= Contracts.EmailEventReceived.MaxEmailIdLength;

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}

/// <summary>An email's totals and a page of its events; <paramref name="Next"/> is the <c>page</c> of the next one (null: the last).</summary>
public sealed record EmailStatisticsPage(
    string EmailId, long Events, long Opens, long Clicks, long SpamReports, DateTimeOffset? FirstOpenedAt, DateTimeOffset? LastOpenedAt,
    StoredEvent[] Items, string? Next)
{
    public static EmailStatisticsPage Of(EmailStatistics s) =>
        new(s.EmailId, s.Events, s.Opens, s.Clicks, s.SpamReports, s.FirstOpenedAt, s.LastOpenedAt, s.Items, s.Next?.Token);
}
