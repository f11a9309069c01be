using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class InboxMessageConfiguration : IEntityTypeConfiguration<InboxMessage>
{
    public void Configure(EntityTypeBuilder<InboxMessage> builder)
    {
        builder.ToTable("inbox_messages");
        builder.HasKey(m => m.EventId);
        builder.Property(m => m.EventId).HasColumnName("event_id").ValueGeneratedNever();
        builder.Property(m => m.EventType).HasColumnName("event_type").HasMaxLength(128);
        builder.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        builder.Property(m => m.Retained).HasColumnName("retained");
        // The clean-up deletes by age.
        builder.HasIndex(m => m.ProcessedAt);
    }
}
