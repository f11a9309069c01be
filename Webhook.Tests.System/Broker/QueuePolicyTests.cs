using System.Net;
using Webhook.Testing;

namespace Webhook.Tests.System.Broker;

/// <summary>
/// The queue's limits are the broker's policy, not arguments the hosts declare: an operator changes them on the running
/// broker and they apply at once, and a host started afterwards declares the queue as before, so nothing is refused.
/// </summary>
public class QueuePolicyTests
{
    static string Event(string emailId) => $$"""{"emailId":"{{emailId}}","eventType":"Opened"}""";

    int _accepted;

    /// <summary>Posts new events until one is answered <paramref name="wanted"/> (a policy applies within moments), counting those accepted.</summary>
    async Task<HttpStatusCode> PostUntilAsync(HttpClient client, string emailId, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.SendAsync(Signing.StandardRequest(Event(emailId)));
            if (response.StatusCode == HttpStatusCode.Accepted)
                _accepted++;
            if (response.StatusCode == wanted || DateTime.UtcNow > deadline)
                return response.StatusCode;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Should_apply_a_new_max_length_at_once_and_let_a_host_started_after_it_declare_the_queue()
    {
        await using var system = await RunningSystem.StartAsync();
        var emails = await system.AddEmailsAsync(1);
        await system.Processor.StopAsync();
        Assert.Equal(HttpStatusCode.Accepted, await PostUntilAsync(system.Client, emails[0], HttpStatusCode.Accepted));

        // An operator lowers the limit under the running hosts: the queue is full now.
        await system.Broker.SetPolicyAsync(new Dictionary<string, int> { ["max-length"] = 1 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostUntilAsync(system.Client, emails[0], HttpStatusCode.ServiceUnavailable));

        // A replica started now declares the same queue (no PRECONDITION_FAILED) and works under the same limit.
        await using var other = new HostProcess("Webhook.Api", system.Environment);
        await other.StartAsync();
        using var otherClient = new HttpClient { BaseAddress = other.BaseAddress };
        using (var response = await otherClient.SendAsync(Signing.StandardRequest(Event(emails[0]))))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);

        // Raised again, the queue takes events again, and the Processor drains every one that was accepted.
        await system.Broker.SetPolicyAsync(new Dictionary<string, int> { ["max-length"] = 1000 });
        Assert.Equal(HttpStatusCode.Accepted, await PostUntilAsync(otherClient, emails[0], HttpStatusCode.Accepted));
        await system.Processor.StartAsync();
        await system.WaitUntilAppliedAsync(_accepted);
        await system.SettleAsync();
        Assert.Equal(_accepted, await system.AppliedEventsAsync());
        Assert.Equal(_accepted, await system.Dynamo.EventCountAsync(emails[0]));
    }
}
