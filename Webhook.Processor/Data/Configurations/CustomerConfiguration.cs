using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("customers");
        builder.Property(c => c.Id).HasColumnName("id");
        builder.Property(c => c.EmailAddress).HasColumnName("email_address").HasMaxLength(320);
        builder.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
        builder.Property(c => c.ComplainedAt).HasColumnName("complained_at");
        builder.HasIndex(c => c.EmailAddress).IsUnique();
        builder.HasMany(c => c.ViewedProducts).WithOne().HasForeignKey(v => v.CustomerId);
    }
}
