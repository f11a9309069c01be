using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.Endpoints;
using Webhook.Messaging;
using Webhook.Messaging.DeadLetters;

namespace Webhook.Console.Pages.DeadLetters;

/// <summary>A purge, confirmed by typing "purge": what it will delete is shown first, in words.</summary>
public sealed class PurgeModel(IDeadLetters deadLetters) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public bool? All { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? EventType { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? EmailId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? EventId { get; set; }

    public DeadLetterSelection? Selection { get; private set; }

    public PurgeResult? Result { get; private set; }

    public string? Problem { get; private set; }

    public void OnGet() => Select();

    public async Task<IActionResult> OnPostAsync([FromForm] string? confirmation, CancellationToken cancellationToken)
    {
        if (!Select())
            return Page();
        if (!string.Equals(confirmation?.Trim(), "purge", StringComparison.Ordinal))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = "Not purged: type purge to confirm.";
            return Page();
        }
        try
        {
            Result = await deadLetters.PurgeAsync(Selection!, cancellationToken);
        }
        catch (BrokerUnavailableException ex)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Problem = ex.Message;
        }
        return Page();
    }

    bool Select()
    {
        Guid[]? ids = null;
        if (!string.IsNullOrWhiteSpace(EventId))
        {
            if (!Guid.TryParse(EventId.Trim(), out var id))
            {
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Problem = "An event id is a UUID.";
                return false;
            }
            ids = [id];
        }
        var errors = new DeadLetterQuery(All, ids, EventType, EmailId, null, null).Validate(out var selection);
        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            Problem = string.Join(" ", errors.Values.SelectMany(e => e));
            return false;
        }
        Selection = selection;
        return true;
    }
}
