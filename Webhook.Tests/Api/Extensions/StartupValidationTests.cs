using Microsoft.Extensions.Options;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Extensions;

/// <summary>A missing or malformed setting stops the API at start with a message naming the key.</summary>
public class StartupValidationTests
{
    [Theory]
    [InlineData("Webhooks:Email:Secret", "not-a-whsec-secret%%", "Webhooks:Email:Secret")]
    [InlineData("ConnectionStrings:RabbitMq", "http://127.0.0.1/", "ConnectionStrings:RabbitMq")]
    [InlineData("Webhooks:MaxBodyBytes", "0", "Webhooks:MaxBodyBytes")]
    [InlineData("Webhooks:RejectionRateLimit:Permits", "0", "Webhooks:RejectionRateLimit:Permits")]
    [InlineData("Webhooks:SendGrid:MaxBodyBytes", "0", "Webhooks:SendGrid:MaxBodyBytes")]
    [InlineData("Broker:MaxQueueLength", "0", "Broker:MaxQueueLength")]
    [InlineData("Broker:QueueName", "no spaces allowed", "Broker:QueueName")]
    public void Should_refuse_to_start_the_api_naming_the_key_when_a_setting_is_invalid(string key, string value, string named)
    {
        using var factory = new ApiFactory(new() { [key] = value });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
