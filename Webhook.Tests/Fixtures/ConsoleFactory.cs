using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Console.Stats;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// The console as registered in production, its stores pointed at addresses where nothing answers (a test replaces
/// what it needs, the operators' queues with a fake, say), with the tests' keys for both roles unless told otherwise.
/// </summary>
public sealed class ConsoleFactory(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<StatisticsReader>
{
    public const string AnalystKey = "endpoint-tests-analyst-key-0123456789abcdef";
    public const string OperatorKey = "endpoint-tests-admin-key-0123456789abcdef";

    /// <summary>What every console here is given before a test's own settings.</summary>
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
        ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=1",
        ["AWS:ServiceURL"] = "http://127.0.0.1:1",
        ["AWS:Region"] = "us-east-1",
        ["Console:AnalystKey"] = AnalystKey,
        ["Console:OperatorKey"] = OperatorKey,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings.Concat(settings ?? []))
            builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            // Outside Development the SDK looks for real credentials; nothing answers at this address anyway.
            services.AddSingleton<IAmazonDynamoDB>(new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"),
                new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:1", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 }));
            services.AddSingleton<IStartupFilter>(new ClientIpFromHeader(ApiFactory.ClientIpHeader));
            configureServices?.Invoke(services);
        });
    }

    /// <summary>A client that sends <paramref name="key"/> in X-Api-Key (none when null).</summary>
    public HttpClient ClientWithKey(string? key)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (key is not null)
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }
}
