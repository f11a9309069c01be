using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.Endpoints;
using Webhook.Console.Stats;

namespace Webhook.Console.Pages;

/// <summary>The dashboard's download: the same stream as <c>GET /api/export/events</c>, for a signed-in browser.</summary>
public sealed class ExportModel(StatisticsReader reader, TimeProvider time) : PageModel
{
    public Dictionary<string, string[]> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync(string? from, string? to, string? format)
    {
        var range = DateRange.Parse(from, to, StatsEndpoints.Today(time), Errors);
        var kind = (format ?? "csv").ToLowerInvariant();
        if (kind is not ("csv" or "ndjson"))
            Errors["format"] = ["format must be csv or ndjson."];
        if (Errors.Count > 0 || range is not { } r)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Response.ContentType = EventExport.ContentType(kind);
        Response.Headers.ContentDisposition = $"attachment; filename=\"{EventExport.FileName(r, kind)}\"";
        await EventExport.WriteAsync(Response.Body, reader, r, kind, HttpContext.RequestAborted);
        return new EmptyResult();
    }
}
