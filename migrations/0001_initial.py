"""Create the whole LTC schema (generated from the models with playhouse.schema_diff, then frozen)."""
from peewee import *


def up(migrator, db):
    class Department(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        name_en = CharField(null=True, max_length=120)
        parent = ForeignKeyField('self', null=True)
        class Meta:
            database = db
            table_name = 'department'
    db.create_tables([Department])

    class Role(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(unique=True, max_length=24)
        name_zh = CharField(max_length=60)
        name_en = CharField(max_length=60)
        data_scope = CharField(max_length=24, default='own')
        class Meta:
            database = db
            table_name = 'role'
    db.create_tables([Role])

    class User(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        username = CharField(unique=True, max_length=80)
        display_name = CharField(max_length=120)
        display_name_en = CharField(null=True, max_length=120)
        email = CharField(index=True, null=True, max_length=200)
        phone = CharField(null=True, max_length=40)
        password_hash = CharField(max_length=256, default='')
        role = ForeignKeyField(Role)
        department = ForeignKeyField(Department, null=True)
        manager = ForeignKeyField('self', null=True)
        active = BooleanField(index=True, default=True)
        language = CharField(max_length=24, default='zh_Hans_CN')
        open_lead_cap = IntegerField(null=True)
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class AssignmentRule(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        priority = IntegerField(index=True, default=100)
        industry = CharField(null=True, max_length=24)
        region_province = CharField(null=True, max_length=40)
        source = CharField(null=True, max_length=24)
        lead_department = ForeignKeyField(Department, null=True)
        method = CharField(max_length=24, default='user')
        assignee = ForeignKeyField(User, null=True)
        target_department = ForeignKeyField(Department, null=True)
        last_assignee = ForeignKeyField(User, null=True)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'assignment_rule'
    db.create_tables([AssignmentRule])

    class AuditLog(Model):
        at = DateTimeField(index=True)
        actor = CharField(index=True, max_length=80)
        source = CharField(index=True, max_length=16)
        entity = CharField(max_length=60)
        entity_code = CharField(max_length=64)
        action = CharField(max_length=24)
        changes = TextField(default='{}')
        batch = CharField(index=True, null=True, max_length=64)
        note = CharField(null=True)
        class Meta:
            database = db
            table_name = 'audit_log'
            indexes = ((('entity', 'entity_code'), False),)
    db.create_tables([AuditLog])

    class Campaign(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=200)
        name_en = CharField(null=True, max_length=200)
        channel = CharField(index=True, max_length=24, default='exhibition')
        status = CharField(index=True, max_length=24, default='planned')
        start_on = DateField(index=True, null=True)
        end_on = DateField(null=True)
        budget = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        department = ForeignKeyField(Department, null=True)
        owner = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'campaign'
    db.create_tables([Campaign])

    class PublicPool(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        name_en = CharField(null=True, max_length=120)
        department = ForeignKeyField(Department, null=True)
        reclaim_no_followup_days = IntegerField(default=30)
        reclaim_no_deal_days = IntegerField(null=True)
        warn_days_before = IntegerField(default=3)
        daily_claim_limit = IntegerField(default=5)
        ownership_cap = IntegerField(default=200)
        cooldown_days = IntegerField(default=7)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'public_pool'
    db.create_tables([PublicPool])

    class Customer(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(index=True, max_length=200)
        name_en = CharField(null=True, max_length=200)
        kind = CharField(index=True, max_length=24, default='enterprise')
        parent = ForeignKeyField('self', null=True)
        industry = CharField(index=True, null=True, max_length=24)
        region_province = CharField(index=True, null=True, max_length=40)
        region_city = CharField(null=True, max_length=40)
        size = CharField(index=True, null=True, max_length=24)
        level = CharField(index=True, max_length=24, default='potential')
        source = CharField(index=True, null=True, max_length=24)
        credit_code = CharField(unique=True, null=True, max_length=18)
        phone = CharField(null=True, max_length=40)
        email = CharField(null=True, max_length=200)
        website = CharField(null=True, max_length=200)
        address = CharField(null=True)
        owner = ForeignKeyField(User, null=True)
        department = ForeignKeyField(Department, null=True)
        pool = ForeignKeyField(PublicPool, null=True)
        owner_since = DateField(null=True)
        previous_owner = ForeignKeyField(User, null=True)
        released_at = DateTimeField(null=True)
        locked = BooleanField(default=False)
        last_followup_at = DateTimeField(index=True, null=True)
        last_won_on = DateField(null=True)
        yearly_category_spend = DecimalField(max_digits=18, decimal_places=2, default=0)
        target_share = DecimalField(max_digits=5, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        notes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'customer'
    db.create_tables([Customer])

    class Contact(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        customer = ForeignKeyField(Customer)
        name = CharField(index=True, max_length=120)
        name_en = CharField(null=True, max_length=120)
        title = CharField(null=True, max_length=120)
        department_name = CharField(null=True, max_length=120)
        gender = CharField(max_length=24, default='unknown')
        phone = CharField(index=True, null=True, max_length=40)
        mobile = CharField(index=True, null=True, max_length=40)
        email = CharField(index=True, null=True, max_length=200)
        wechat = CharField(null=True, max_length=80)
        is_key_decision_maker = BooleanField(default=False)
        birthday = DateField(null=True)
        notes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'contact'
    db.create_tables([Contact])

    class Lead(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        company = CharField(max_length=200)
        contact_name = CharField(null=True, max_length=120)
        contact_title = CharField(null=True, max_length=120)
        phone = CharField(null=True, max_length=40)
        email = CharField(null=True, max_length=200)
        source = CharField(index=True, max_length=24, default='other')
        campaign = ForeignKeyField(Campaign, null=True)
        industry = CharField(index=True, null=True, max_length=24)
        region_province = CharField(index=True, null=True, max_length=40)
        region_city = CharField(null=True, max_length=40)
        company_size = CharField(index=True, null=True, max_length=24)
        budget = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        requirement = TextField(null=True)
        department = ForeignKeyField(Department, null=True)
        owner = ForeignKeyField(User, null=True)
        assigned_at = DateTimeField(null=True)
        status = CharField(index=True, max_length=24, default='new')
        disqualify_reason = CharField(null=True)
        grade = CharField(index=True, max_length=24, default='ungraded')
        score = IntegerField(index=True, default=0)
        score_reasons = TextField(default='')
        phone_norm = CharField(index=True, null=True, max_length=40)
        email_norm = CharField(index=True, null=True, max_length=200)
        company_norm = CharField(index=True, null=True, max_length=200)
        duplicate_of = ForeignKeyField('self', null=True)
        followup_count = IntegerField(default=0)
        last_followup_at = DateTimeField(index=True, null=True)
        converted_customer = ForeignKeyField(Customer, null=True)
        converted_contact = ForeignKeyField(Contact, null=True)
        converted_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'lead'
    db.create_tables([Lead])

    class Stage(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=60)
        name_en = CharField(max_length=60)
        sequence = IntegerField(index=True)
        probability = DecimalField(max_digits=5, decimal_places=2)
        is_won = BooleanField(default=False)
        is_lost = BooleanField(default=False)
        typical_days = IntegerField(default=30)
        exit_criteria = TextField(default='')
        class Meta:
            database = db
            table_name = 'stage'
    db.create_tables([Stage])

    class Opportunity(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(index=True, max_length=200)
        customer = ForeignKeyField(Customer)
        lead = ForeignKeyField(Lead, null=True)
        contact = ForeignKeyField(Contact, null=True)
        owner = ForeignKeyField(User, null=True)
        department = ForeignKeyField(Department, null=True)
        stage = ForeignKeyField(Stage)
        stage_changed_at = DateTimeField(null=True)
        amount = DecimalField(index=True, max_digits=18, decimal_places=2, default=0)
        weighted_amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        expected_close_on = DateField(index=True, null=True)
        first_close_on = DateField(null=True)
        closed_on = DateField(null=True)
        priority = CharField(index=True, max_length=24, default='medium')
        source = CharField(index=True, null=True, max_length=24)
        competitors = CharField(default='')
        lost_reason = CharField(null=True)
        followup_count = IntegerField(default=0)
        last_followup_at = DateTimeField(null=True)
        health_score = IntegerField(index=True, null=True)
        health_reasons = TextField(default='')
        class Meta:
            database = db
            table_name = 'opportunity'
    db.create_tables([Opportunity])

    class Quote(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        title = CharField(max_length=200)
        customer = ForeignKeyField(Customer)
        opportunity = ForeignKeyField(Opportunity, null=True)
        owner = ForeignKeyField(User, null=True)
        status = CharField(index=True, max_length=24, default='draft')
        quoted_on = DateField(index=True)
        valid_until = DateField(null=True)
        subtotal = DecimalField(max_digits=18, decimal_places=2, default=0)
        discount_amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        total = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        notes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'quote'
    db.create_tables([Quote])

    class Contract(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        title = CharField(index=True, max_length=200)
        customer = ForeignKeyField(Customer)
        opportunity = ForeignKeyField(Opportunity, null=True)
        quote = ForeignKeyField(Quote, null=True)
        owner = ForeignKeyField(User, null=True)
        department = ForeignKeyField(Department, null=True)
        status = CharField(index=True, max_length=24, default='draft')
        customer_signer = CharField(null=True, max_length=120)
        our_signer = CharField(null=True, max_length=120)
        signed_on = DateField(index=True, null=True)
        start_on = DateField(null=True)
        end_on = DateField(index=True, null=True)
        amount = DecimalField(index=True, max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        renewal_of = ForeignKeyField('self', null=True)
        approved_by = ForeignKeyField(User, null=True)
        approved_at = DateTimeField(null=True)
        notes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'contract'
    db.create_tables([Contract])

    class CareTask(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        customer = ForeignKeyField(Customer)
        contact = ForeignKeyField(Contact, null=True)
        contract = ForeignKeyField(Contract, null=True)
        kind = CharField(index=True, max_length=24, default='return_visit')
        due_on = DateField(index=True)
        status = CharField(index=True, max_length=24, default='open')
        done_at = DateTimeField(null=True)
        satisfaction = IntegerField(null=True)
        owner = ForeignKeyField(User, null=True)
        notes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'care_task'
    db.create_tables([CareTask])

    class CodeSequence(Model):
        prefix = CharField(primary_key=True, max_length=8)
        value = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'code_sequence'
    db.create_tables([CodeSequence])

    class ContractApproval(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        contract = ForeignKeyField(Contract)
        step = IntegerField(default=1)
        approver = ForeignKeyField(User, null=True)
        decision = CharField(index=True, max_length=24, default='pending')
        decided_at = DateTimeField(null=True)
        comment = CharField(null=True)
        class Meta:
            database = db
            table_name = 'contract_approval'
    db.create_tables([ContractApproval])

    class ProductCategory(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        name_en = CharField(null=True, max_length=120)
        parent = ForeignKeyField('self', null=True)
        class Meta:
            database = db
            table_name = 'product_category'
    db.create_tables([ProductCategory])

    class Product(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(index=True, max_length=200)
        name_en = CharField(null=True, max_length=200)
        category = ForeignKeyField(ProductCategory)
        specification = CharField(null=True, max_length=200)
        unit = CharField(max_length=20, default='套')
        list_price = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        status = CharField(index=True, max_length=24, default='active')
        profile_industries = CharField(default='')
        profile_sizes = CharField(max_length=120, default='')
        description = TextField(null=True)
        class Meta:
            database = db
            table_name = 'product'
    db.create_tables([Product])

    class ContractLine(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        contract = ForeignKeyField(Contract)
        product = ForeignKeyField(Product)
        description = CharField(null=True)
        quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
        unit_price = DecimalField(max_digits=18, decimal_places=2, default=0)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        delivery_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'contract_line'
    db.create_tables([ContractLine])

    class DecisionRole(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=60)
        name_en = CharField(max_length=60)
        is_decision_maker = BooleanField(default=False)
        sequence = IntegerField(default=100)
        class Meta:
            database = db
            table_name = 'decision_role'
    db.create_tables([DecisionRole])

    class DeliveryMilestone(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        contract = ForeignKeyField(Contract)
        sequence = IntegerField(default=1)
        name = CharField(max_length=120)
        planned_on = DateField(index=True, null=True)
        accepted_on = DateField(null=True)
        status = CharField(index=True, max_length=24, default='planned')
        class Meta:
            database = db
            table_name = 'delivery_milestone'
    db.create_tables([DeliveryMilestone])

    class Document(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        title = CharField(max_length=200)
        entity = CharField(index=True, max_length=60)
        entity_code = CharField(index=True, max_length=64)
        filename = CharField()
        content_type = CharField(max_length=120, default='application/octet-stream')
        size = IntegerField(default=0)
        storage_key = CharField()
        uploaded_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'document'
    db.create_tables([Document])

    class FollowUp(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        customer = ForeignKeyField(Customer, null=True)
        contact = ForeignKeyField(Contact, null=True)
        lead = ForeignKeyField(Lead, null=True)
        opportunity = ForeignKeyField(Opportunity, null=True)
        kind = CharField(index=True, max_length=24, default='call')
        happened_at = DateTimeField(index=True)
        summary = TextField(default='')
        next_contact_on = DateField(index=True, null=True)
        owner = ForeignKeyField(User, null=True)
        is_major = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'follow_up'
    db.create_tables([FollowUp])

    class GradingRule(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        field = CharField(max_length=24)
        value = CharField(max_length=200, default='')
        points = IntegerField(default=0)
        sequence = IntegerField(default=100)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'grading_rule'
    db.create_tables([GradingRule])

    class OpportunityContact(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        opportunity = ForeignKeyField(Opportunity)
        contact = ForeignKeyField(Contact)
        role = ForeignKeyField(DecisionRole)
        attitude = CharField(max_length=24, default='neutral')
        influence = CharField(max_length=24, default='medium')
        notes = CharField(null=True)
        class Meta:
            database = db
            table_name = 'opportunity_contact'
            indexes = ((('opportunity', 'contact'), True),)
    db.create_tables([OpportunityContact])

    class OpportunityProduct(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        opportunity = ForeignKeyField(Opportunity)
        product = ForeignKeyField(Product)
        quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
        unit_price = DecimalField(max_digits=18, decimal_places=2, default=0)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        class Meta:
            database = db
            table_name = 'opportunity_product'
    db.create_tables([OpportunityProduct])

    class PaymentPlan(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        contract = ForeignKeyField(Contract)
        sequence = IntegerField(default=1)
        trigger = CharField(max_length=24, default='date')
        milestone = ForeignKeyField(DeliveryMilestone, null=True)
        due_on = DateField(index=True, null=True)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        paid_amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        status = CharField(index=True, max_length=24, default='pending')
        owner = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'payment_plan'
    db.create_tables([PaymentPlan])

    class Payment(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        contract = ForeignKeyField(Contract)
        plan = ForeignKeyField(PaymentPlan, null=True)
        received_on = DateField(index=True)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        method = CharField(max_length=24, default='bank_transfer')
        reference = CharField(null=True, max_length=120)
        recorded_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'payment'
    db.create_tables([Payment])

    class ProductPlan(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        product = ForeignKeyField(Product)
        period = CharField(index=True, max_length=7)
        planned_quantity = DecimalField(max_digits=14, decimal_places=2, default=0)
        class Meta:
            database = db
            table_name = 'product_plan'
            indexes = ((('product', 'period'), True),)
    db.create_tables([ProductPlan])

    class QuoteLine(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        quote = ForeignKeyField(Quote)
        product = ForeignKeyField(Product)
        description = CharField(null=True)
        quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
        unit_price = DecimalField(max_digits=18, decimal_places=2, default=0)
        discount_pct = DecimalField(max_digits=5, decimal_places=2, default=0)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        class Meta:
            database = db
            table_name = 'quote_line'
    db.create_tables([QuoteLine])

    class Reminder(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        user = ForeignKeyField(User)
        kind = CharField(index=True, max_length=24)
        entity = CharField(max_length=60)
        entity_code = CharField(max_length=64)
        message = CharField(max_length=500)
        due_on = DateField(index=True, null=True)
        read_at = DateTimeField(null=True)
        dedupe_key = CharField(unique=True, max_length=200)
        class Meta:
            database = db
            table_name = 'reminder'
    db.create_tables([Reminder])

    class Setting(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        value = TextField(default='')
        description = CharField(null=True)
        class Meta:
            database = db
            table_name = 'setting'
    db.create_tables([Setting])

    class StageHistory(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        opportunity = ForeignKeyField(Opportunity)
        from_stage = ForeignKeyField(Stage, null=True)
        to_stage = ForeignKeyField(Stage)
        changed_at = DateTimeField(index=True)
        changed_by = ForeignKeyField(User, null=True)
        days_in_previous = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'stage_history'
    db.create_tables([StageHistory])

    class Target(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        kind = CharField(index=True, max_length=24, default='sales')
        period = CharField(index=True, max_length=7)
        user = ForeignKeyField(User, null=True)
        department = ForeignKeyField(Department, null=True)
        amount = DecimalField(max_digits=18, decimal_places=2, default=0)
        currency = CharField(max_length=3, default='CNY')
        class Meta:
            database = db
            table_name = 'target'
            indexes = ((('kind', 'period', 'user', 'department'), True),)
    db.create_tables([Target])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('target'))
    migrator.migrate(migrator.drop_table('stage_history'))
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('reminder'))
    migrator.migrate(migrator.drop_table('quote_line'))
    migrator.migrate(migrator.drop_table('product_plan'))
    migrator.migrate(migrator.drop_table('payment'))
    migrator.migrate(migrator.drop_table('payment_plan'))
    migrator.migrate(migrator.drop_table('opportunity_product'))
    migrator.migrate(migrator.drop_table('opportunity_contact'))
    migrator.migrate(migrator.drop_table('grading_rule'))
    migrator.migrate(migrator.drop_table('follow_up'))
    migrator.migrate(migrator.drop_table('document'))
    migrator.migrate(migrator.drop_table('delivery_milestone'))
    migrator.migrate(migrator.drop_table('decision_role'))
    migrator.migrate(migrator.drop_table('contract_line'))
    migrator.migrate(migrator.drop_table('product'))
    migrator.migrate(migrator.drop_table('product_category'))
    migrator.migrate(migrator.drop_table('contract_approval'))
    migrator.migrate(migrator.drop_table('code_sequence'))
    migrator.migrate(migrator.drop_table('care_task'))
    migrator.migrate(migrator.drop_table('contract'))
    migrator.migrate(migrator.drop_table('quote'))
    migrator.migrate(migrator.drop_table('opportunity'))
    migrator.migrate(migrator.drop_table('stage'))
    migrator.migrate(migrator.drop_table('lead'))
    migrator.migrate(migrator.drop_table('contact'))
    migrator.migrate(migrator.drop_table('customer'))
    migrator.migrate(migrator.drop_table('public_pool'))
    migrator.migrate(migrator.drop_table('campaign'))
    migrator.migrate(migrator.drop_table('audit_log'))
    migrator.migrate(migrator.drop_table('assignment_rule'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('role'))
    migrator.migrate(migrator.drop_table('department'))
