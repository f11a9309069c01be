using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Webhook.Console.DeadLetters;
using Webhook.Console.Security;
using Webhook.Contracts;
using Webhook.Messaging;
using Webhook.Messaging.SetAside;

namespace Webhook.Console.Endpoints;

/// <summary>
/// The operators' view of the events set aside from verified webhooks, under /api/set-aside: list them (JSON, or a
/// table for <c>Accept: text/plain</c>), and delete them once dealt with. The same key and rules as the dead letters.
/// </summary>
public static class SetAsideEndpoints
{
    public const string Route = "/api/set-aside";

    public static IEndpointRouteBuilder MapSetAsideEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Set-aside events").RequireAuthorization(ConsoleRoles.ApiOperations);
        group.MapGet("/", ListAsync).WithName("ListSetAsideEvents").WithSummary("A page of the set-aside events, left in place.");
        group.MapDelete("/", PurgeAsync).WithName("PurgeSetAsideEvents").WithSummary("Deletes the set-aside events named, or all of them.");
        return app;
    }

    public static async Task<Results<Ok<SetAsidePage>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> ListAsync(
        [FromQuery] int? limit, [FromQuery] int? offset, ISetAsideEvents setAside, HttpContext http, CancellationToken cancellationToken)
    {
        var take = limit ?? DeadLetterEndpoints.DefaultLimit;
        var skip = offset ?? 0;
        var errors = new Dictionary<string, string[]>();
        if (take is < 1 or > DeadLetterEndpoints.MaxLimit)
            errors["limit"] = [$"limit must be between 1 and {DeadLetterEndpoints.MaxLimit}."];
        if (skip < 0)
            errors["offset"] = ["offset must not be negative."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        try
        {
            var page = await setAside.ListAsync(skip, take, cancellationToken);
            return DeadLetterEndpoints.WantsText(http.Request) ? DeadLetterEndpoints.Text(Table(page)) : TypedResults.Ok(page);
        }
        catch (BrokerUnavailableException ex)
        {
            return DeadLetterEndpoints.Unavailable(ex);
        }
    }

    /// <summary>Deletes the set-aside events named by <c>id</c> (repeatable), or all of them with <c>all=true</c>.</summary>
    public static async Task<Results<Ok<SetAsidePurge>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> PurgeAsync(
        [FromQuery] bool? all, [FromQuery] Guid[]? id, ISetAsideEvents setAside, HttpContext http, CancellationToken cancellationToken)
    {
        var ids = id ?? [];
        if ((all == true) == (ids.Length > 0))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["all"] = ["Name the set-aside events: all=true, or one or more id."] });
        try
        {
            var result = await setAside.PurgeAsync(all == true ? null : ids.ToHashSet(), cancellationToken);
            return DeadLetterEndpoints.WantsText(http.Request)
                ? DeadLetterEndpoints.Text($"Purged {result.Purged} of {result.Examined} set-aside events examined.\n")
                : TypedResults.Ok(result);
        }
        catch (BrokerUnavailableException ex)
        {
            return DeadLetterEndpoints.Unavailable(ex);
        }
    }

    /// <summary>One block per event: what it is, why it was set aside, and its text as it arrived, every part escaped.</summary>
    public static string Table(SetAsidePage page)
    {
        if (page.Items.Count == 0)
            return page.Total == 0 ? "No event is set aside.\n" : $"No set-aside event from position {page.Offset} on ({page.Total} in all).\n";
        var text = new StringBuilder();
        foreach (var item in page.Items)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{item.SetAsideId}  {DeadLetterText.Safe(item.Provider)}  delivery {DeadLetterText.Safe(item.DeliveryId ?? "-")}  received {item.ReceivedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  at {DeadLetterText.Safe(item.Path)}\n");
            foreach (var (field, reasons) in item.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"  {DeadLetterText.Safe(field)}: {DeadLetterText.Safe(string.Join(" ", reasons))}\n");
            var raw = item.RawEvent.Length <= 400 ? item.RawEvent : item.RawEvent[..399] + "…";
            text.Append(CultureInfo.InvariantCulture, $"  {(item.RawEncoding == "base64" ? "base64" : "event")}: {DeadLetterText.Safe(raw)}\n");
        }
        var last = page.Offset + page.Items.Count;
        text.Append(CultureInfo.InvariantCulture, $"{page.Offset + 1}-{last} of {page.Total} set-aside events");
        text.Append(last < page.Total ? $"; next page: offset {last}.\n" : ".\n");
        return text.ToString();
    }
}
