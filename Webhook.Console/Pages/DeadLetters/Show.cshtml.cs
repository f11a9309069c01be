using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.Pages.DeadLetters;

/// <summary>One dead letter, whole: why, how often, its headers and the message as the broker holds it.</summary>
public sealed class ShowDeadLetterModel(IDeadLetters deadLetters) : PageModel
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public Guid EventId { get; private set; }

    public DeadLetter? Letter { get; private set; }

    public string Message => Letter?.Body is { } body ? JsonSerializer.Serialize(body, Indented) : Letter?.RawBody ?? "";

    public string? Problem { get; private set; }

    public async Task OnGetAsync(Guid eventId, CancellationToken cancellationToken)
    {
        EventId = eventId;
        try
        {
            Letter = await deadLetters.FindAsync(eventId, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Problem = ex.Message;
            return;
        }
        if (Letter is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            Problem = "This event is not in the dead-letter queue (replayed or purged since?).";
        }
    }
}
