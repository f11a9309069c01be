using System.ComponentModel.DataAnnotations;
using Webhook.ServiceDefaults;

namespace Webhook.Console.Options;

/// <summary>Who may use the console, and how hard its operations push. Section "Console".</summary>
public sealed class ConsoleOptions : IValidatableObject
{
    public const string Section = "Console";

    /// <summary>Shortest key accepted: a key anyone could guess would open the statistics, or the dead letters, to them.</summary>
    public const int MinimumKeyLength = 32;

    public const string AnalystKeySetting = "Console:AnalystKey";
    public const string OperatorKeySetting = "Console:OperatorKey";

    /// <summary>
    /// The analysts' key (statistics and export). Unset: nobody signs in as an analyst. A secret: set it as an
    /// environment variable (<c>Console__AnalystKey</c>) or from a secret store.
    /// </summary>
    [ConsoleKey(ErrorMessage = "Console:AnalystKey must be at least 32 characters without spaces (for example the output of 'openssl rand -base64 32').")]
    public string? AnalystKey { get; set; }

    /// <summary>The operators' key (everything: statistics, events, dead letters, set-aside events). Unset: nobody signs in as an operator.</summary>
    [ConsoleKey(ErrorMessage = "Console:OperatorKey must be at least 32 characters without spaces (for example the output of 'openssl rand -base64 32').")]
    public string? OperatorKey { get; set; }

    /// <summary>Events per second a replay sends back to the main queue when the request names no rate.</summary>
    [Range(0.1, 10_000, ErrorMessage = "Console:ReplayRate must be between 0.1 and 10000 events per second.")]
    public double ReplayRate { get; set; } = 100;

    public static bool IsKeyAcceptable(string? key) =>
        string.IsNullOrEmpty(key) || (key.Length >= MinimumKeyLength && !key.Any(char.IsWhiteSpace));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(AnalystKey) && AnalystKey == OperatorKey)
            yield return new ValidationResult("Console:AnalystKey and Console:OperatorKey must differ: a key says which role signs in.", [nameof(AnalystKey)]);
    }
}

/// <summary>Unset, or a key no one could guess (<see cref="ConsoleOptions.IsKeyAcceptable"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConsoleKeyAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) => ConsoleOptions.IsKeyAcceptable(value as string);
}

/// <summary>Refuses, at start, a key published with the sources (<see cref="PublishedKeys"/>) on a console other machines can reach.</summary>
public sealed class PublishedConsoleKeyGuard(IConfiguration configuration) : Microsoft.Extensions.Options.IValidateOptions<ConsoleOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ConsoleOptions options) =>
        PublishedKeys.Check(configuration, "console", (ConsoleOptions.AnalystKeySetting, options.AnalystKey), (ConsoleOptions.OperatorKeySetting, options.OperatorKey));
}
