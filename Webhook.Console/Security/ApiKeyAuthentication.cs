using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Webhook.Console.Security;

/// <summary>
/// The JSON API's sign-in: the key in the <c>X-Api-Key</c> header, once per request (<see cref="ConsoleKeys"/>).
/// A missing or wrong key gets 401, a client locked out for its wrong keys 429 with Retry-After, a role that may not
/// do what it asks 403: each a ProblemDetails.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ConsoleKeys keys,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    const string OutcomeItem = "Webhook.Console.ApiKeyOutcome";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsLockedOut(Context, out var retryAfter))
        {
            Context.Items[OutcomeItem] = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong keys from this client."));
        }
        var presented = Request.Headers[ConsoleKeys.Header];
        if (presented.Count == 0)
            return Task.FromResult(AuthenticateResult.NoResult());
        var role = presented.Count == 1 ? keys.RoleOf(Context, presented[0]) : keys.RoleOf(Context, null);
        if (role is null)
            return Task.FromResult(AuthenticateResult.Fail($"The {ConsoleKeys.Header} header does not hold a key of the console."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[OutcomeItem] is TimeSpan retryAfter)
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1))).ToString(CultureInfo.InvariantCulture);
            return WriteAsync(StatusCodes.Status429TooManyRequests, "Too many wrong keys",
                "This client has presented too many wrong keys; try again later.");
        }
        var detail = Request.Headers.ContainsKey(ConsoleKeys.Header)
            ? $"The {ConsoleKeys.Header} header does not hold a key of the console."
            : $"Send the analyst's or the operator's key in the {ConsoleKeys.Header} header.";
        return WriteAsync(StatusCodes.Status401Unauthorized, "Not authorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteAsync(StatusCodes.Status403Forbidden, "Not allowed", "This key's role may not do this: it needs the operator's key.");

    Task WriteAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
