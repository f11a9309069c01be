using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.Endpoints;
using Webhook.Console.Stats;
using Webhook.Contracts;

namespace Webhook.Console.Pages.Emails;

/// <summary>One email: its totals, and its events in time order, a page at a time.</summary>
public sealed class ShowEmailModel(StatisticsReader reader) : PageModel
{
    public string EmailId { get; private set; } = "";

    public EmailStatistics? Statistics { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(string? emailId, string? after, CancellationToken cancellationToken)
    {
        EmailId = StatsEndpoints.EmailIdOf(emailId);
        if (!StatsEndpoints.IsEmailId(EmailId))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = $"An email id is 1 to {EmailEventReceived.MaxEmailIdLength} characters long.";
            return;
        }
        if (!EventPage.TryParse(after, out var start))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = "That page of events does not exist: follow the link to the next events.";
            return;
        }
        Statistics = await reader.EmailAsync(EmailId, StatsEndpoints.DefaultEventsPerPage, start, cancellationToken);
        if (Statistics is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            Problem = "No event of this email has been counted.";
        }
    }
}
