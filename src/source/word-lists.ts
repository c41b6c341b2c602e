/**
 * Word lists the generator builds titles, descriptions, tags and names from. Plain data: changing
 * a list changes every generated post, so the committed data-samples must be regenerated after.
 */
import type { Category } from '../contract/known-values';


/** What a category's posts talk about: subjects for titles, tags for `tag_list`. */
export interface CategoryWords {
  subjects: readonly string[];
  tags: readonly string[];
}

export const CATEGORY_WORDS: Record<Category, CategoryWords> = {
  art: {
    subjects: ['Watercolor Painting', 'Abstract Art', 'Pencil Drawing', 'Acrylic Pour', 'Canvas Art', 'Sketchbook Pages', 'Oil Painting', 'Charcoal Portrait', 'Ink Illustration', 'Mandala Art'],
    tags: ['Art', 'Painting', 'Drawing', 'Watercolor', 'Abstract', 'Illustration', 'Sketch', 'Art Journal', 'Creative Art', 'Art Inspiration', 'Canvas', 'Art Ideas'],
  },
  beauty: {
    subjects: ['Makeup Looks', 'Skincare Routine', 'Nail Art', 'Hairstyles', 'Eyeshadow Palette', 'Lip Colors', 'Braids', 'Face Masks', 'Brow Tutorial', 'Curly Hair Tips'],
    tags: ['Beauty', 'Makeup', 'Skincare', 'Nails', 'Hair', 'Hairstyles', 'Beauty Tips', 'Makeup Tutorial', 'Eye Makeup', 'Nail Designs', 'Glowing Skin', 'Self Care'],
  },
  christmas: {
    subjects: ['Christmas Tree Ideas', 'Holiday Cookies', 'Advent Calendars', 'Christmas Wreaths', 'Gift Wrapping', 'Ornaments', 'Festive Tables', 'Stocking Stuffers', 'Elf Ideas', 'Christmas Mantels'],
    tags: ['Christmas', 'Christmas Decorations', 'Holiday Decor', 'Xmas', 'Christmas Crafts', 'Christmas Gifts', 'Winter', 'Holiday', 'Christmas Tree', 'Festive', 'Noel', 'Christmas Baking'],
  },
  'diy-and-crafts': {
    subjects: ['Paper Crafts', 'Mason Jar Projects', 'Macrame', 'Upcycled Furniture', 'Kids Crafts', 'Crochet Patterns', 'Resin Art', 'Cricut Projects', 'Scrapbooking', 'Candle Making'],
    tags: ['DIY', 'Crafts', 'DIY Crafts', 'Handmade', 'Crochet', 'Sewing', 'Upcycle', 'Kids Crafts', 'Paper Crafts', 'Craft Ideas', 'Easy DIY', 'Home Projects'],
  },
  education: {
    subjects: ['Classroom Ideas', 'Math Worksheets', 'Reading Activities', 'Science Experiments', 'Study Tips', 'Homeschool Schedules', 'Bulletin Boards', 'Phonics Games', 'Teacher Planners', 'Learning Centers'],
    tags: ['Education', 'Teaching', 'Classroom', 'Homeschool', 'Teacher', 'Learning', 'Kindergarten', 'Math', 'Reading', 'Science', 'Study Tips', 'Students'],
  },
  'event-planning': {
    subjects: ['Wedding Ideas', 'Birthday Party Themes', 'Baby Shower Games', 'Party Decorations', 'Table Settings', 'Bridal Shower Ideas', 'Graduation Parties', 'Event Checklists', 'Balloon Arches', 'Dessert Tables'],
    tags: ['Event Planning', 'Party Ideas', 'Wedding', 'Birthday Party', 'Baby Shower', 'Party Decorations', 'Wedding Planning', 'Celebration', 'Party Themes', 'Bridal Shower', 'Events', 'Party Games'],
  },
  finance: {
    subjects: ['Budget Templates', 'Saving Challenges', 'Side Hustles', 'Debt Payoff Plans', 'Investing Tips', 'Money Saving Hacks', 'Passive Income Ideas', 'Frugal Living Tips', 'Retirement Planning', 'Cash Envelopes'],
    tags: ['Finance', 'Budgeting', 'Saving Money', 'Money', 'Personal Finance', 'Budget', 'Investing', 'Side Hustle', 'Debt Free', 'Frugal Living', 'Make Money', 'Financial Freedom'],
  },
  'home-decor': {
    subjects: ['Living Room Ideas', 'Bedroom Decor', 'Kitchen Makeovers', 'Farmhouse Decor', 'Gallery Walls', 'Boho Interiors', 'Bathroom Ideas', 'Small Space Storage', 'Entryway Decor', 'Cozy Reading Nooks'],
    tags: ['Home Decor', 'Interior Design', 'Living Room', 'Bedroom', 'Farmhouse', 'Kitchen', 'Decor Ideas', 'Home Design', 'Boho', 'Cozy Home', 'Apartment Decor', 'Modern Home'],
  },
  'mens-fashion': {
    subjects: ['Casual Outfits', 'Suits', 'Streetwear Looks', 'Leather Jackets', 'Sneakers', 'Watches', 'Smart Casual Style', 'Beard Styles', 'Summer Outfits', 'Fall Layers'],
    tags: ['Mens Fashion', 'Menswear', 'Mens Style', 'Men Casual', 'Streetwear', 'Outfits', 'Mens Outfits', 'Style', 'Fashion', 'Suits', 'Sneakers', 'Gentleman'],
  },
  quotes: {
    subjects: ['Motivational Quotes', 'Love Quotes', 'Inspirational Sayings', 'Life Quotes', 'Funny Quotes', 'Friendship Quotes', 'Positive Affirmations', 'Success Quotes', 'Quotes About Strength', 'Morning Quotes'],
    tags: ['Quotes', 'Inspirational Quotes', 'Motivational Quotes', 'Life Quotes', 'Love Quotes', 'Positive Quotes', 'Words', 'Sayings', 'Quotes To Live By', 'Affirmations', 'Wisdom', 'Happiness'],
  },
  tattoos: {
    subjects: ['Small Tattoos', 'Sleeve Tattoos', 'Floral Tattoos', 'Minimalist Tattoos', 'Script Tattoos', 'Wrist Tattoos', 'Geometric Tattoos', 'Back Tattoos', 'Fine Line Tattoos', 'Matching Tattoos'],
    tags: ['Tattoos', 'Tattoo Ideas', 'Small Tattoos', 'Tattoo Designs', 'Ink', 'Body Art', 'Tattoo', 'Minimalist Tattoo', 'Flower Tattoos', 'Tattoo Inspiration', 'Tattoo Art', 'Tattoos For Women'],
  },
  travel: {
    subjects: ['Travel Destinations', 'Packing Lists', 'Road Trips', 'Beach Getaways', 'City Guides', 'Hidden Gems', 'Travel Hacks', 'Mountain Hikes', 'Weekend Itineraries', 'Budget Travel Tips'],
    tags: ['Travel', 'Travel Destinations', 'Travel Tips', 'Vacation', 'Wanderlust', 'Adventure', 'Road Trip', 'Beach', 'Travel Guide', 'Europe', 'Backpacking', 'Places To Visit'],
  },
  vehicles: {
    subjects: ['Classic Cars', 'Muscle Cars', 'Motorcycles', 'Camper Vans', 'Sports Cars', 'Truck Builds', 'Car Interiors', 'Vintage Bikes', 'Off Road Rigs', 'Electric Cars'],
    tags: ['Cars', 'Vehicles', 'Classic Cars', 'Motorcycles', 'Trucks', 'Car', 'Muscle Cars', 'Van Life', 'Sports Cars', 'Vintage Cars', 'Auto', 'Dream Cars'],
  },
};

/** Adjectives for titles and descriptions. */
export const ADJECTIVES = [
  'Easy', 'Simple', 'Beautiful', 'Creative', 'Cute', 'Amazing', 'Stunning', 'Cozy', 'Modern', 'Unique',
  'Budget Friendly', 'Minimalist', 'Gorgeous', 'Classic', 'Trendy', 'Quick', 'Elegant', 'Fun', 'Bold', 'Timeless',
];

/** Title shapes; `{n}`, `{adj}`, `{subject}` and `{year}` are filled in. */
export const TITLE_TEMPLATES = [
  '{n} {adj} {subject} Ideas',
  '{n} {adj} {subject} You Will Love',
  '{adj} {subject} for Beginners',
  'How to Start with {subject}',
  'The Best {subject} of {year}',
  '{subject}: {n} {adj} Ideas to Try',
  '{adj} {subject}',
  'My Favourite {subject}',
  '{n} {subject} That Are Simply {adj}',
  'Ultimate Guide to {subject}',
];

/** Description sentences; descriptions join one to three of them. */
export const DESCRIPTION_TEMPLATES = [
  'Looking for {adj} {subject}? Here are {n} ideas to inspire you.',
  'These {subject} are {adj} and perfect for any season.',
  'Save this pin for later and check out more {subject} on the blog.',
  'A {adj} take on {subject} that anyone can try at home.',
  'Click through for the full list of {n} {subject}.',
  'We rounded up the most {adj} {subject} from around the web.',
  'Everything you need to know about {subject}, step by step.',
  'Follow for more {adj} {subject} every week.',
];

/** Words account names are made from, e.g. "Emma's Home Decor", "The Cozy Studio". */
export const ACCOUNT_NOUNS = [
  'Studio', 'Blog', 'Life', 'Journal', 'Collective', 'Co', 'Daily', 'Corner', 'Club', 'Society',
  'Market', 'Lab', 'Diaries', 'Stories', 'Workshop', 'Boutique', 'Hub', 'Magazine', 'Shop', 'House',
];

export const FIRST_NAMES = [
  'Emma', 'Olivia', 'Ava', 'Sophia', 'Isabella', 'Mia', 'Amelia', 'Harper', 'Evelyn', 'Abigail',
  'Emily', 'Elizabeth', 'Sofia', 'Madison', 'Avery', 'Ella', 'Scarlett', 'Grace', 'Chloe', 'Victoria',
  'Riley', 'Aria', 'Lily', 'Aubrey', 'Zoey', 'Penelope', 'Lillian', 'Addison', 'Layla', 'Natalie',
  'Hannah', 'Nora', 'Zoe', 'Leah', 'Hazel', 'Violet', 'Aurora', 'Savannah', 'Audrey', 'Brooklyn',
  'Liam', 'Noah', 'William', 'James', 'Oliver', 'Benjamin', 'Elijah', 'Lucas', 'Mason', 'Logan',
  'Alexander', 'Ethan', 'Jacob', 'Michael', 'Daniel', 'Henry', 'Jackson', 'Sebastian', 'Aiden', 'Matthew',
  'Samuel', 'David', 'Joseph', 'Carter', 'Owen', 'Wyatt', 'John', 'Jack', 'Luke', 'Jayden',
  'Priya', 'Aisha', 'Mei', 'Yuki', 'Fatima', 'Sara', 'Ana', 'Lucia', 'Chen', 'Ravi',
  'Mateo', 'Diego', 'Omar', 'Hiroshi', 'Arjun', 'Kwame', 'Ivan', 'Lars', 'Pierre', 'Giulia',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Patel', 'Khan', 'Singh', 'Kim', 'Wang', 'Li', 'Tanaka', 'Sato', 'Mueller', 'Schmidt',
  'Rossi', 'Silva', 'Santos', 'Dubois', 'Novak', 'Kowalski', 'Ivanova', 'Okafor', 'Mensah', 'Larsen',
];
