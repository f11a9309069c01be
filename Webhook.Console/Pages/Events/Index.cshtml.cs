using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Webhook.Console.Events;
using Webhook.Messaging;

namespace Webhook.Console.Pages.Events;

/// <summary>Where an event is (<see cref="EventLocator"/>): operators only.</summary>
public sealed class EventLookupModel(EventLocator locator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    public EventLocation? Location { get; private set; }

    public string? Problem { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Id))
            return;
        if (!Guid.TryParse(Id.Trim(), out var eventId))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = "An event id is a UUID, like 0b9c4f6e-7d21-8a3b-9c4d-5e6f7a8b9c0d.";
            return;
        }
        try
        {
            var location = await locator.LocateAsync(eventId, cancellationToken);
            if (location.Status == EventLocation.Unknown)
            {
                Response.StatusCode = StatusCodes.Status404NotFound;
                Problem = $"No store has event {eventId}, and it is not in the dead letters."
                    + (location.Queue is { } q ? $" {q.Waiting} events wait in the main queue unprocessed: it may be one of them (the queue cannot be browsed)." : "");
                return;
            }
            Location = location;
        }
        catch (Exception ex) when (ex is BrokerUnavailableException or NpgsqlException)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Problem = ex.Message;
        }
    }
}
