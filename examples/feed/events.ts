// The Feed example's event. Keyed by author: one author's posts stay in order, and a
// celebrity's posts are still one record each, whatever the follower count.
export const POSTS = 'posts';

export interface PostCreated {
  type: 'PostCreated';
  postId: string;
  authorId: string;
  text: string;
  createdAt: number;
}
