// The Search example's events: posts to index (keyed by post id: no ordering between posts is
// needed, so keys only spread the load) and the analytics event each search fires.
export const POSTS = 'posts';
export const SEARCHES = 'search-events';

export interface PostPublished {
  postId: string;
  text: string;
  publishedAt: number;
}

export interface SearchPerformed {
  searchId: string;
  query: string;
  hits: number;
  at: number;
}
