using Microsoft.Extensions.Options;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api;

/// <summary>A missing or malformed setting stops the host at start with a message naming the key.</summary>
public class StartupValidationTests
{
    [Theory]
    [InlineData("Webhooks:Email:Secret", "not-a-whsec-secret%%", "Webhooks:Email:Secret")]
    [InlineData("ConnectionStrings:RabbitMq", "http://127.0.0.1/", "ConnectionStrings:RabbitMq")]
    [InlineData("Webhooks:MaxBodyBytes", "0", "MaxBodyBytes")]
    [InlineData("Broker:MaxQueueLength", "0", "MaxQueueLength")]
    public void Should_refuse_to_start_the_api_naming_the_key_when_a_setting_is_invalid(string key, string value, string named)
    {
        using var factory = new ApiFactory(new() { [key] = value });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ConnectionStrings:Postgres", "", "ConnectionStrings:Postgres")]
    [InlineData("Processor:ConcurrencyLimit", "0", "ConcurrencyLimit")]
    [InlineData("AWS:ServiceURL", "not a url", "AWS:ServiceURL")]
    public void Should_refuse_to_start_the_processor_naming_the_key_when_a_setting_is_invalid(string key, string value, string named)
    {
        using var factory = new ProcessorHarnessFactory(new RecordingMarketingData(), new InMemoryStatistics(), new() { [key] = value });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
