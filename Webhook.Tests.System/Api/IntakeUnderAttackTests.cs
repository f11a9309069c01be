using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Webhook.Testing;

namespace Webhook.Tests.System.Api;

/// <summary>The API as a process, attacked as an intake on the internet is: bounded memory, replays refused on every replica.</summary>
public class IntakeUnderAttackTests
{
    const string SlowBodyDeclared = "1048576";

    [Fact]
    public async Task Should_stay_under_300_mb_and_accept_signed_requests_while_2000_clients_trickle_bodies_they_declared_a_megabyte_long()
    {
        await using var system = await RunningSystem.StartAsync(settings: new Dictionary<string, string>
        {
            ["Webhooks__SendGrid__VerificationKey"] = Signing.SendGridVerificationKey,
        });
        var clients = new List<TcpClient>();
        try
        {
            var head = Encoding.ASCII.GetBytes(
                "POST /webhooks/sendgrid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                $"Content-Length: {SlowBodyDeclared}\r\nX-Twilio-Email-Event-Webhook-Timestamp: 1\r\nX-Twilio-Email-Event-Webhook-Signature: AAAA\r\n\r\n[");
            for (var i = 0; i < 2000; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, system.Api.Port);
                await client.GetStream().WriteAsync(head);
                clients.Add(client);
            }

            // A few seconds of trickling, fast enough that Kestrel's slowest accepted rate keeps them connected.
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 300));
            long peakKb = 0;
            HttpStatusCode signed = 0;
            for (var second = 0; second < 8; second++)
            {
                foreach (var client in clients.Where(c => c.Connected))
                {
                    try
                    {
                        await client.GetStream().WriteAsync(chunk);
                    }
                    catch (IOException)
                    {
                    }
                }
                if (second == 4)
                    signed = await system.PostAsync("""{"emailId":"email-1001","eventType":"Opened"}""");
                peakKb = Math.Max(peakKb, PeakResidentKb(system.Api.Pid));
                await Task.Delay(1000);
            }

            Assert.Equal(HttpStatusCode.Accepted, signed);
            Assert.True(peakKb < 300 * 1024, $"The API's resident memory peaked at {peakKb / 1024} MiB.");
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    /// <summary>VmHWM: the process's peak resident set, from /proc.</summary>
    static long PeakResidentKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
