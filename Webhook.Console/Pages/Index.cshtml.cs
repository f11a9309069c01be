using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.Endpoints;
using Webhook.Console.Stats;

namespace Webhook.Console.Pages;

/// <summary>The dashboard: the chart of each event type per day over the chosen range, the totals, the top emails.</summary>
public sealed class IndexModel(StatisticsReader reader, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string By { get; set; } = "opens";

    public Dictionary<string, string[]> Errors { get; } = [];

    public DailyCounts? Daily { get; private set; }

    public TopEmails? Top { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (DateRange.Parse(From, To, StatsEndpoints.Today(time), Errors) is not { } range)
            return;
        if (!StatsEndpoints.TopBy.TryGetValue(By, out var ranking))
        {
            Errors["by"] = ["by must be opens, clicks or spam."];
            return;
        }
        From = DateRange.Format(range.From);
        To = DateRange.Format(range.To);
        By = By.ToLowerInvariant();
        var daily = reader.DailyAsync(range.From, range.To, cancellationToken);
        var top = reader.TopAsync(range.From, range.To, ranking.EventType, ranking.Counter, StatsEndpoints.DefaultTop, cancellationToken);
        Daily = await daily;
        Top = await top;
    }
}
