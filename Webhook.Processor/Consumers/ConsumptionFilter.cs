using MassTransit;
using Webhook.Contracts;
using Webhook.Processor.Data;

namespace Webhook.Processor.Consumers;

/// <summary>
/// Around every attempt of the consumer, inside the retry: reports to <see cref="ConsumptionState"/> whether it went
/// through, and, when an event fails for a reason of its own and goes to the dead letters, keeps its inbox row for
/// good, so that a replay of that dead letter, however late, is recognised where it was applied already.
/// </summary>
public sealed class ConsumptionFilter(ConsumptionState state, IServiceScopeFactory scopes) :
    IFilter<ConsumerConsumeContext<EmailEventReceivedConsumer, EmailEventReceived>>
{
    public async Task Send(ConsumerConsumeContext<EmailEventReceivedConsumer, EmailEventReceived> context,
        IPipe<ConsumerConsumeContext<EmailEventReceivedConsumer, EmailEventReceived>> next)
    {
        try
        {
            await next.Send(context);
            state.Succeeded();
        }
        catch (Exception ex) when (EventFailures.IsTheEventsFault(ex))
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var services = scope.ServiceProvider;
                using var gate = await services.GetRequiredService<StoreGates>().PostgresAsync(CancellationToken.None);
                await services.GetRequiredService<IMarketingDataWriter>().RetainAsync(context.Message.EventId, CancellationToken.None);
            }
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            state.Failed(ex);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("consumption");
}
