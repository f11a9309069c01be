using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Webhook.Console.Security;
using Webhook.Console.Stats;

namespace Webhook.Console.Endpoints;

/// <summary>
/// Every event of a range, for further processing: <c>GET /api/export/events?from=…&amp;to=…&amp;format=csv|ndjson</c>,
/// streamed as it is read (one page of events in memory at a time, whatever the range holds). Analysts and operators.
/// </summary>
public static class ExportEndpoints
{
    public const string Route = "/api/export";

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Route).WithTags("Export").RequireAuthorization(ConsoleRoles.ApiStatistics)
            .MapGet("/events", Export).WithName("ExportEvents")
            .WithSummary("Every event that occurred in the range (UTC days), in time order, as CSV or NDJSON, streamed.");
        return app;
    }

    public static Results<PushStreamHttpResult, ValidationProblem> Export(
        [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, StatisticsReader reader, TimeProvider time, HttpContext http)
    {
        var errors = new Dictionary<string, string[]>();
        var range = DateRange.Parse(from, to, StatsEndpoints.Today(time), errors);
        var kind = (format ?? "csv").ToLowerInvariant();
        if (kind is not ("csv" or "ndjson"))
            errors["format"] = ["format must be csv or ndjson."];
        if (errors.Count > 0 || range is not { } r)
            return TypedResults.ValidationProblem(errors);

        var cancellation = http.RequestAborted;
        return TypedResults.Stream(body => EventExport.WriteAsync(body, reader, r, kind, cancellation), EventExport.ContentType(kind), EventExport.FileName(r, kind));
    }
}
