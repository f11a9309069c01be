using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Webhook.ServiceDefaults;

/// <summary>
/// A request the server could not bind (a query value that is not of its parameter's type, a required route value
/// missing) gets the ProblemDetails of any other bad input: its status (400), and the parameter named with the
/// framework's reason:
/// <c>{"errors": {"limit": ["Failed to bind parameter \"Nullable&lt;int&gt; limit\" from \"abc\"."]}}</c>.
/// Without it, minimal APIs answer such a request with a bare 400 outside Development, and with a 500 in it (where
/// the binding failure is thrown to the exception handler, which knows no status but 500).
/// </summary>
public sealed partial class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>
    /// ProblemDetails for every error a host answers, this handler among them; binding failures are thrown in every
    /// environment, so that it answers them alike. For a host that also calls <c>UseExceptionHandler</c>.
    /// </summary>
    public static IServiceCollection AddTo(IServiceCollection services)
    {
        services.AddProblemDetails();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services.AddExceptionHandler<BadRequestProblems>();
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
            return false;

        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = ParameterOf(bad.Message) is { } parameter
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [parameter] = [bad.Message] })
            : new ProblemDetails { Detail = bad.Message };
        problem.Status = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = bad });
    }

    /// <summary>
    /// The parameter a binding failure names (<c>parameter "Nullable&lt;int&gt; limit"</c>), in the camel case its query
    /// key is written in (a property of an <c>[AsParameters]</c> record is named as the property); null when it names
    /// none.
    /// </summary>
    static string? ParameterOf(string message) =>
        ParameterPattern().Match(message) is { Success: true } match ? JsonNamingPolicy.CamelCase.ConvertName(match.Groups["name"].Value) : null;

    [GeneratedRegex("parameter \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterPattern();
}
