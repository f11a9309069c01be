using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.DeadLetters;

namespace Webhook.Console.Pages.DeadLetters;

/// <summary>A replay's progress; the page reloads itself every second while it runs (no script needed).</summary>
public sealed class ReplayProgressModel(ReplayJobs replays) : PageModel
{
    public ReplayJob? Job { get; private set; }

    public void OnGet(Guid id)
    {
        Job = replays.Find(id);
        if (Job is null)
            Response.StatusCode = StatusCodes.Status404NotFound;
    }
}
