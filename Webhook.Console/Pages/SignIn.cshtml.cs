using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Webhook.Console.Security;

namespace Webhook.Console.Pages;

/// <summary>The key, once; then a cookie says which role signed in. Wrong keys spend the client's budget (<see cref="ConsoleKeys"/>).</summary>
public sealed class SignInModel(ConsoleKeys keys) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? key)
    {
        if (keys.IsLockedOut(HttpContext, out var retryAfter))
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1))).ToString(CultureInfo.InvariantCulture);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Problem = "Too many wrong keys from this computer: try again in a minute.";
            return Page();
        }
        var role = keys.RoleOf(HttpContext, key);
        if (role is null)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Problem = "That is not a key of this console.";
            return Page();
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role), new Claim(ConsoleKeys.FingerprintClaim, keys.FingerprintOf(role)!)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
