using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// Makes a request with the <paramref name="header"/> header come from that address, so that a test can play several
/// clients, and a load balancer in front of them, on the one in-memory server.
/// </summary>
public sealed class ClientIpFromHeader(string header) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (IPAddress.TryParse(context.Request.Headers[header], out var address))
                context.Connection.RemoteIpAddress = address;
            return nextMiddleware(context);
        });
        next(app);
    };
}
