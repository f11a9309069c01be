using System.ComponentModel.DataAnnotations;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Webhook.Storage;

/// <summary>
/// The AWS SDK's own configuration section "AWS" (ServiceURL, Region), checked at start: with no ServiceURL the SDK
/// talks to AWS in the region given (or AWS_REGION); with one, to that endpoint (DynamoDB Local).
/// </summary>
public sealed class DynamoDbOptions : IValidatableObject
{
    public const string Section = "AWS";

    [AbsoluteUrl(ErrorMessage = "AWS:ServiceURL must be an absolute URL (for example http://127.0.0.1:25800).")]
    public string? ServiceURL { get; set; }

    public string? Region { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(ServiceURL) && string.IsNullOrEmpty(Region) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_REGION")))
            yield return new ValidationResult("AWS:Region (or AWS:ServiceURL for DynamoDB Local) is not set.", [nameof(Region)]);
    }
}

/// <summary>An absolute URL, or nothing.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AbsoluteUrlAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is null or "" || (value is string text && Uri.TryCreate(text, UriKind.Absolute, out _));
}


public static class DynamoDbRegistration
{
    /// <summary>
    /// Registers <see cref="IAmazonDynamoDB"/> from the "AWS" section, and the statistics tables from "Stats".
    /// In Development, DynamoDB Local accepts any credentials, so fixed ones stand in when none are configured.
    /// </summary>
    public static IHostApplicationBuilder AddDynamoDb(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DynamoDbOptions>().BindConfiguration(DynamoDbOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StatsOptions>().BindConfiguration(StatsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new StatsTables(sp.GetRequiredService<IOptions<StatsOptions>>().Value));

        // The SDK's factory reads the section when the client is first asked for, which is after the options above
        // were validated at start; a ServiceURL that is not a URL never reaches it.
        var development = builder.Environment.IsDevelopment();
        services.AddSingleton<IAmazonDynamoDB>(sp =>
        {
            sp.GetRequiredService<IOptions<DynamoDbOptions>>();
            var configuration = sp.GetRequiredService<IConfiguration>();
            var aws = configuration.GetAWSOptions();
            if (development && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) && aws.Profile is null)
                aws.Credentials = new BasicAWSCredentials("local", "local");
            aws.DefaultClientConfig.Timeout = TimeSpan.FromSeconds(10);
            // With a ServiceURL the SDK drops the configured region and, on every request, looks for one to sign with:
            // it parses the URL, then tries its fallback chain, which throws and catches an exception each time.
            if (!string.IsNullOrEmpty(configuration["AWS:ServiceURL"]) && aws.Region is not null)
                aws.DefaultClientConfig.AuthenticationRegion = aws.Region.SystemName;
            return aws.CreateServiceClient<IAmazonDynamoDB>();
        });
        return builder;
    }

    /// <summary>
    /// Creates the host's tables at start when they are missing (<see cref="DynamoTablesInitializer"/>). Register it
    /// before the services that use the tables: hosted services start in order.
    /// </summary>
    public static IHostApplicationBuilder AddDynamoTables(this IHostApplicationBuilder builder, Func<IServiceProvider, IEnumerable<DynamoTable>> tables)
    {
        builder.Services.AddSingleton<IHostedService>(sp =>
            new DynamoTablesInitializer(sp, tables, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DynamoTablesInitializer>>()));
        return builder;
    }
}
